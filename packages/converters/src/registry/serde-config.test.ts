import {
  ConfigException,
  DataException,
  NotReadyException,
  RetriableException,
  Schema,
  SchemaBuilder,
  Struct,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { AvroConverter } from '../avro/avro-converter.js';
import { JsonSchemaConverter } from '../json-schema/json-schema-converter.js';
import { ProtobufConverter } from '../protobuf/protobuf-converter.js';
import { subjectName } from './serde-config.js';

const CONVERTERS = [
  ['AvroConverter', () => new AvroConverter()],
  ['JsonSchemaConverter', () => new JsonSchemaConverter()],
  ['ProtobufConverter', () => new ProtobufConverter()],
] as const;

describe('the registry converters’ shared keys', () => {
  for (const [name, make] of CONVERTERS) {
    it(`${name} names every bad key at once`, () => {
      let err: unknown;
      try {
        make().configure(
          {
            'basic.auth.credentials.source': 'USER_INFO',
            'bearer.auth.credentials.source': 'OAUTHBEARER',
            'value.subject.name.strategy': 'com.example.MyStrategy',
          },
          false,
        );
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigException);
      expect(Object.keys((err as ConfigException).errors).sort()).toEqual([
        'basic.auth.user.info',
        'bearer.auth.credentials.source',
        'schema.registry.url',
        'value.subject.name.strategy',
      ]);
      // An empty URL list is as missing as none, and still reported with the others.
      expect(() =>
        make().configure({ 'schema.registry.url': '', 'basic.auth.credentials.source': 'SASL_INHERIT' }, false),
      ).toThrow(
        /schema\.registry\.url: Missing required configuration.*basic\.auth\.credentials\.source: SASL_INHERIT: Provided SASL Login module doesn't provide username and password|basic\.auth\.credentials\.source: SASL_INHERIT.*schema\.registry\.url: Missing/,
      );
    });

    it(`${name} waits for the registry on a miss, and a registry nobody answers at is retriable, naming its URL`, async () => {
      const c = make();
      c.configure({ 'schema.registry.url': 'http://127.0.0.1:9', 'schema.registry.request.timeout.ms': '1000' }, false);
      const s = SchemaBuilder.struct().name('a.B').field('x', Schema.INT32_SCHEMA).build();
      let pending: unknown;
      try {
        c.fromConnectData('t', null, s, new Struct(s).put('x', 1));
      } catch (e) {
        pending = e;
      }
      expect(pending).toBeInstanceOf(NotReadyException);
      const failure = await (pending as NotReadyException).ready.catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RetriableException);
      expect(String((failure as Error).message)).toMatch(/Schema registry unavailable at http:\/\/127\.0\.0\.1:9/);
    });

    it(`${name} refuses bytes without the magic byte`, () => {
      const c = make();
      c.configure({ 'schema.registry.url': 'http://127.0.0.1:9' }, false);
      expect(() => c.toConnectData('t', null, Uint8Array.of(1, 0, 0, 0, 1, 0))).toThrow(/Unknown magic byte!/);
    });
  }

  it('names subjects by the three strategies', () => {
    const cfg = (strategy: string) =>
      ({
        'key.subject.name.strategy': strategy,
        'value.subject.name.strategy': strategy,
      }) as Parameters<typeof subjectName>[0];
    expect(subjectName(cfg('TopicNameStrategy'), true, 'orders', 'a.B')).toBe('orders-key');
    expect(subjectName(cfg('io.confluent.kafka.serializers.subject.RecordNameStrategy'), false, 'orders', 'a.B')).toBe(
      'a.B',
    );
    expect(subjectName(cfg('TopicRecordNameStrategy'), false, 'orders', 'a.B')).toBe('orders-a.B');
    expect(() => subjectName(cfg('RecordNameStrategy'), false, 'orders', null)).toThrow(DataException);
  });
});
