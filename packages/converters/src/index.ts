import { definePlugins } from '@tributary/api';
import { ByteArrayConverter } from './byte-array-converter.js';
import { JsonConverter } from './json/json-converter.js';
import {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './number-converters.js';
import { SimpleHeaderConverter } from './simple-header-converter.js';
import { StringConverter } from './string-converter.js';

export { ByteArrayConverter } from './byte-array-converter.js';
export { JsonConverter, JsonConverterConfig } from './json/json-converter.js';
export { type JsonValue, LosslessNumber, parseJson, parseJsonExact } from './json/reader.js';
export { jsonString } from './json/writer.js';
export {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './number-converters.js';
export { SimpleHeaderConverter } from './simple-header-converter.js';
export { StringConverter, StringConverterConfig } from './string-converter.js';

const VERSION = '0.1.0';

/** The converters this package provides, under Kafka Connect's class names. */
export const plugins = definePlugins([
  {
    kind: 'converter',
    className: 'JsonConverter',
    aliases: ['org.apache.kafka.connect.json.JsonConverter'],
    version: VERSION,
    create: () => new JsonConverter(),
  },
  {
    kind: 'converter',
    className: 'StringConverter',
    aliases: ['org.apache.kafka.connect.storage.StringConverter'],
    version: VERSION,
    create: () => new StringConverter(),
  },
  {
    kind: 'converter',
    className: 'ByteArrayConverter',
    aliases: ['org.apache.kafka.connect.converters.ByteArrayConverter'],
    version: VERSION,
    create: () => new ByteArrayConverter(),
  },
  {
    kind: 'converter',
    className: 'ShortConverter',
    aliases: ['org.apache.kafka.connect.converters.ShortConverter'],
    version: VERSION,
    create: () => new ShortConverter(),
  },
  {
    kind: 'converter',
    className: 'IntegerConverter',
    aliases: ['org.apache.kafka.connect.converters.IntegerConverter'],
    version: VERSION,
    create: () => new IntegerConverter(),
  },
  {
    kind: 'converter',
    className: 'LongConverter',
    aliases: ['org.apache.kafka.connect.converters.LongConverter'],
    version: VERSION,
    create: () => new LongConverter(),
  },
  {
    kind: 'converter',
    className: 'FloatConverter',
    aliases: ['org.apache.kafka.connect.converters.FloatConverter'],
    version: VERSION,
    create: () => new FloatConverter(),
  },
  {
    kind: 'converter',
    className: 'DoubleConverter',
    aliases: ['org.apache.kafka.connect.converters.DoubleConverter'],
    version: VERSION,
    create: () => new DoubleConverter(),
  },
  {
    kind: 'header_converter',
    className: 'SimpleHeaderConverter',
    aliases: ['org.apache.kafka.connect.storage.SimpleHeaderConverter'],
    version: VERSION,
    create: () => new SimpleHeaderConverter(),
  },
]);
