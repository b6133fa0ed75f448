/**
 * The bundled schemas of Confluent's kafka-connect-datagen quickstarts, in avro-random-generator
 * form: same record names, field names, types and generation rules, so topics filled by
 * `quickstart=orders` look the same as with Confluent's connector.
 */

export interface Quickstart {
  /** The name users put in `quickstart` (lower case, as Confluent's). */
  readonly name: string;
  /** Confluent's resource file name; `schema.filename` accepts it too. */
  readonly filename: string;
  /** Field whose value becomes the record key (`schema.keyfield`). */
  readonly keyField: string;
  /**
   * A field that increases with every record of a task (derived from current.iteration), or
   * null when the schema has none and the `current.iteration` header is the sequence.
   */
  readonly sequenceField: string | null;
  readonly schema: unknown;
}

const long = (args: Record<string, unknown>) => ({ type: 'long', 'arg.properties': args });
const int = (args: Record<string, unknown>) => ({ type: 'int', 'arg.properties': args });
const double = (args: Record<string, unknown>) => ({ type: 'double', 'arg.properties': args });
const string = (args: Record<string, unknown>) => ({ type: 'string', 'arg.properties': args });
const options = (...values: string[]) => string({ options: values });

const orders = {
  namespace: 'ksql',
  name: 'orders',
  type: 'record',
  fields: [
    { name: 'ordertime', type: long({ range: { min: 1487715775521, max: 1519273364600 } }) },
    { name: 'orderid', type: int({ iteration: { start: 0 } }) },
    { name: 'itemid', type: string({ regex: 'BYOC_Item_[1-9][0-9]{0,2}' }) },
    { name: 'orderunits', type: double({ range: { min: 0.1, max: 10.0 } }) },
    {
      name: 'address',
      type: {
        name: 'address',
        type: 'record',
        fields: [
          { name: 'city', type: string({ regex: 'City_[1-9]{0,2}' }) },
          { name: 'state', type: string({ regex: 'State_[1-9]{0,2}' }) },
          { name: 'zipcode', type: long({ range: { min: 10000, max: 99999 } }) },
        ],
      },
    },
  ],
};

const users = {
  namespace: 'ksql',
  name: 'users',
  type: 'record',
  fields: [
    { name: 'registertime', type: long({ range: { min: 1487715775521, max: 1519273364600 } }) },
    { name: 'userid', type: string({ regex: 'User_[1-9]' }) },
    { name: 'regionid', type: string({ regex: 'Region_[1-9]' }) },
    { name: 'gender', type: options('MALE', 'FEMALE', 'OTHER') },
  ],
};

const pageviews = {
  namespace: 'ksql',
  name: 'pageviews',
  type: 'record',
  fields: [
    { name: 'viewtime', type: long({ iteration: { start: 1, step: 10 } }) },
    { name: 'userid', type: string({ regex: 'User_[1-9]' }) },
    { name: 'pageid', type: string({ regex: 'Page_[1-9][0-9]?' }) },
  ],
};

const stockTrades = {
  namespace: 'ksql',
  name: 'StockTrade',
  doc: 'Defines a hypothetical stock trade using some known test stock symbols.',
  type: 'record',
  fields: [
    { name: 'side', doc: 'A simulated trade side (buy or sell or short)', type: options('BUY', 'SELL', 'SHORT') },
    { name: 'quantity', doc: 'A simulated random quantity of the trade', type: int({ range: { min: 1, max: 5000 } }) },
    {
      name: 'symbol',
      doc: 'Simulated stock symbols',
      type: options('ZBZX', 'ZJZZT', 'ZTEST', 'ZVV', 'ZVZZT', 'ZWZZT', 'ZXZZT'),
    },
    { name: 'price', doc: 'A simulated random trade price in pennies', type: int({ range: { min: 5, max: 1000 } }) },
    { name: 'account', doc: 'Simulated accounts assigned to the trade', type: options('ABC123', 'LMN456', 'XYZ789') },
    { name: 'userid', doc: 'The simulated user who executed the trade', type: string({ regex: 'User_[1-9]{0,1}' }) },
  ],
};

const ratings = {
  namespace: 'ksql',
  name: 'ratings',
  type: 'record',
  fields: [
    { name: 'rating_id', type: long({ iteration: { start: 1 } }) },
    { name: 'user_id', type: int({ range: { min: 1, max: 20 } }) },
    { name: 'stars', type: int({ range: { min: 1, max: 5 } }) },
    { name: 'route_id', type: int({ range: { min: 1, max: 9999 } }) },
    { name: 'rating_time', type: long({ iteration: { start: 1, step: 10 } }) },
    { name: 'channel', type: options('iOS', 'iOS-test', 'android', 'android-test', 'web') },
    {
      name: 'message',
      type: options(
        'thank you for the most friendly, helpful experience today at your new lounge',
        'more peanuts please',
        'Exceeded all my expectations. Thank you !',
        'worst. flight. ever. #neveragain',
        'meh',
        'Surprisingly good, why does everyone complain?',
        'is this as good as it gets? really ?',
        'why is it so difficult to keep the bathrooms clean ?',
        'your team here rocks!',
      ),
    },
  ],
};

const ips = ['111', '222', '122', '233'].flatMap((a) =>
  ['152.45.45', '203.236.146', '168.57.122', '249.79.93', '90.225.227', '173.165.103', '145.8.144', '245.174.248'].map(
    (rest) => `${a}.${rest}`,
  ),
);

const clickstream = {
  namespace: 'clickstream',
  name: 'events',
  type: 'record',
  fields: [
    { name: 'ip', type: options(...ips) },
    { name: 'userid', type: int({ range: { min: -1, max: 20 } }) },
    { name: 'remote_user', type: options('-') },
    { name: 'time', type: long({ iteration: { start: 1, step: 10 } }) },
    { name: '_time', type: long({ iteration: { start: 1, step: 10 } }) },
    {
      name: 'request',
      type: options(
        'GET /index.html HTTP/1.1',
        'GET /site/user_status.html HTTP/1.1',
        'GET /site/login.html HTTP/1.1',
        'GET /site/user_status.html HTTP/1.1',
        'GET /images/track.png HTTP/1.1',
        'GET /images/logo-small.png HTTP/1.1',
      ),
    },
    { name: 'status', type: options('200', '302', '404', '405', '406', '407') },
    { name: 'bytes', type: options('278', '1289', '2048', '4096', '4006', '4196', '14096') },
    { name: 'referrer', type: options('-') },
    {
      name: 'agent',
      type: options(
        'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/59.0.3071.115 Safari/537.36',
      ),
    },
  ],
};

const clickstreamCodes = {
  namespace: 'clickstream',
  name: 'codes',
  type: 'record',
  fields: [
    { name: 'code', type: 'int' },
    { name: 'definition', type: 'string' },
  ],
  'arg.properties': {
    options: [
      { code: 200, definition: 'Successful' },
      { code: 404, definition: 'Page not found' },
      { code: 405, definition: 'Method not allowed' },
      { code: 406, definition: 'Not acceptable' },
      { code: 407, definition: 'Proxy authentication required' },
    ],
  },
};

const clickstreamUsers = {
  namespace: 'ksql',
  name: 'clickstream_users',
  type: 'record',
  fields: [
    { name: 'user_id', type: int({ iteration: { start: 1 } }) },
    { name: 'registered_at', type: long({ range: { min: 1407645330000, max: 1502339792000 } }) },
    {
      name: 'first_name',
      type: options(
        'Elwyn',
        'Curran',
        'Hanson',
        'Woodrow',
        'Ferd',
        'Reeva',
        'Antonio',
        'Arlyne',
        'Dimitri',
        'Oriana',
        'Abdel',
        'Greta',
      ),
    },
    {
      name: 'last_name',
      type: options(
        'Vanyard',
        'Vears',
        'Garrity',
        'Trice',
        'Tomini',
        'Jushcke',
        'De Banke',
        'Pask',
        'Rockhill',
        'Romagosa',
        'Adicot',
        'Lalonde',
      ),
    },
    { name: 'city', type: options('Palo Alto', 'San Francisco', 'Raleigh', 'London', 'Frankfurt', 'New York') },
    { name: 'level', type: options('Gold', 'Silver', 'Platinum') },
  ],
};

export const QUICKSTARTS: readonly Quickstart[] = [
  {
    name: 'clickstream_codes',
    filename: 'clickstream_codes_schema.avro',
    keyField: 'code',
    sequenceField: null,
    schema: clickstreamCodes,
  },
  {
    name: 'clickstream',
    filename: 'clickstream_schema.avro',
    keyField: 'ip',
    sequenceField: '_time',
    schema: clickstream,
  },
  {
    name: 'clickstream_users',
    filename: 'clickstream_users_schema.avro',
    keyField: 'user_id',
    sequenceField: 'user_id',
    schema: clickstreamUsers,
  },
  { name: 'orders', filename: 'orders_schema.avro', keyField: 'orderid', sequenceField: 'orderid', schema: orders },
  {
    name: 'ratings',
    filename: 'ratings_schema.avro',
    keyField: 'rating_id',
    sequenceField: 'rating_id',
    schema: ratings,
  },
  { name: 'users', filename: 'users_schema.avro', keyField: 'userid', sequenceField: null, schema: users },
  {
    name: 'pageviews',
    filename: 'pageviews_schema.avro',
    keyField: 'viewtime',
    sequenceField: 'viewtime',
    schema: pageviews,
  },
  {
    name: 'stock_trades',
    filename: 'stock_trades_schema.avro',
    keyField: 'symbol',
    sequenceField: null,
    schema: stockTrades,
  },
];

export function findQuickstart(name: string): Quickstart | undefined {
  const n = name.trim().toLowerCase();
  return QUICKSTARTS.find((q) => q.name === n);
}

export function findQuickstartByFilename(filename: string): Quickstart | undefined {
  return QUICKSTARTS.find((q) => q.filename === filename);
}
