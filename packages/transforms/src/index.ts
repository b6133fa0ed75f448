/** The transforms plugin package: every built-in SMT and predicate, registered under Kafka Connect's and Debezium's class names. */
import { definePlugins, type PluginDescriptor, type Transformation } from '@tributary/api';
import { Cast } from './cast.js';
import { ExtractField } from './extract-field.js';
import { ExtractNewRecordState } from './extract-new-record-state.js';
import { Filter } from './filter.js';
import { Flatten } from './flatten.js';
import { DropHeaders, HeaderFrom, InsertHeader } from './headers.js';
import { HoistField } from './hoist-field.js';
import { InsertField } from './insert-field.js';
import { MaskField } from './mask-field.js';
import { HasHeaderKey, RecordIsTombstone, TopicNameMatches } from './predicates.js';
import { RegexRouter } from './regex-router.js';
import { ReplaceField } from './replace-field.js';
import { SetSchemaMetadata } from './set-schema-metadata.js';
import { TimestampConverter } from './timestamp-converter.js';
import { TimestampRouter } from './timestamp-router.js';
import type { Side } from './util.js';
import { ValueToKey } from './value-to-key.js';

export { Cast, CastConfig, castValueToType } from './cast.js';
export { ExtractField, ExtractFieldConfig } from './extract-field.js';
export { ExtractNewRecordState, ExtractNewRecordStateConfig } from './extract-new-record-state.js';
export { SingleFieldPath } from './field-path.js';
export { Filter } from './filter.js';
export { Flatten, FlattenConfig } from './flatten.js';
export {
  DropHeaders,
  DropHeadersConfig,
  HeaderFrom,
  HeaderFromConfig,
  InsertHeader,
  InsertHeaderConfig,
} from './headers.js';
export { HoistField, HoistFieldConfig } from './hoist-field.js';
export { InsertField, InsertFieldConfig } from './insert-field.js';
export { MaskField, MaskFieldConfig } from './mask-field.js';
export { HasHeaderKey, RecordIsTombstone, TopicNameMatches } from './predicates.js';
export { RegexRouter, RegexRouterConfig } from './regex-router.js';
export { ReplaceField, ReplaceFieldConfig } from './replace-field.js';
export { SetSchemaMetadata, SetSchemaMetadataConfig } from './set-schema-metadata.js';
export { DateFormatParseException, SimpleDateFormat } from './simple-date-format.js';
export { TimestampConverter, TimestampConverterConfig } from './timestamp-converter.js';
export { TimestampRouter, TimestampRouterConfig } from './timestamp-router.js';
export type { Side } from './util.js';
export { ValueToKey, ValueToKeyConfig } from './value-to-key.js';

const VERSION = '0.1.0';
const KAFKA = 'org.apache.kafka.connect.transforms';

/** The $Key and $Value plugins of a Kafka Connect transform that works on either half of the record. */
function keyValue(name: string, create: (side: Side) => Transformation): PluginDescriptor[] {
  return (['Key', 'Value'] as const).map((variant) => ({
    kind: 'transformation' as const,
    className: `${name}$${variant}`,
    aliases: [`${KAFKA}.${name}$${variant}`],
    version: VERSION,
    create: () => create(variant === 'Key' ? 'key' : 'value'),
  }));
}

function single(name: string, create: () => Transformation, alias = `${KAFKA}.${name}`): PluginDescriptor {
  return { kind: 'transformation', className: name, aliases: [alias], version: VERSION, create };
}

/** Every built-in SMT and predicate, under Kafka Connect's (and Debezium's) class names. */
export const plugins = definePlugins([
  ...keyValue('InsertField', (s) => new InsertField(s)),
  ...keyValue('ReplaceField', (s) => new ReplaceField(s)),
  single('ValueToKey', () => new ValueToKey()),
  ...keyValue('ExtractField', (s) => new ExtractField(s)),
  ...keyValue('Cast', (s) => new Cast(s)),
  single('RegexRouter', () => new RegexRouter()),
  single('TimestampRouter', () => new TimestampRouter()),
  ...keyValue('TimestampConverter', (s) => new TimestampConverter(s)),
  ...keyValue('Flatten', (s) => new Flatten(s)),
  ...keyValue('MaskField', (s) => new MaskField(s)),
  ...keyValue('HoistField', (s) => new HoistField(s)),
  ...keyValue('SetSchemaMetadata', (s) => new SetSchemaMetadata(s)),
  ...keyValue('HeaderFrom', (s) => new HeaderFrom(s)),
  single('InsertHeader', () => new InsertHeader()),
  single('DropHeaders', () => new DropHeaders()),
  single('Filter', () => new Filter()),
  single('ExtractNewRecordState', () => new ExtractNewRecordState(), 'io.debezium.transforms.ExtractNewRecordState'),
  {
    kind: 'predicate',
    className: 'TopicNameMatches',
    aliases: [`${KAFKA}.predicates.TopicNameMatches`],
    version: VERSION,
    create: () => new TopicNameMatches(),
  },
  {
    kind: 'predicate',
    className: 'HasHeaderKey',
    aliases: [`${KAFKA}.predicates.HasHeaderKey`],
    version: VERSION,
    create: () => new HasHeaderKey(),
  },
  {
    kind: 'predicate',
    className: 'RecordIsTombstone',
    aliases: [`${KAFKA}.predicates.RecordIsTombstone`],
    version: VERSION,
    create: () => new RecordIsTombstone(),
  },
]);
