// What a worker loads (package.json `tributary.plugins` points at the built file): the connectors of this package.
import { definePlugins } from '@tributary/api';
import { __Name__SinkConnector } from './sink.js';
import { __Name__SourceConnector } from './source.js';
import { VERSION } from './version.js';

export const plugins = definePlugins([
  {
    kind: 'source',
    className: '__Name__SourceConnector',
    aliases: ['__Name__Source'],
    version: VERSION,
    create: () => new __Name__SourceConnector(),
  },
  {
    kind: 'sink',
    className: '__Name__SinkConnector',
    aliases: ['__Name__Sink'],
    version: VERSION,
    create: () => new __Name__SinkConnector(),
  },
]);

export * from './config.js';
export * from './sink.js';
export * from './source.js';
