import { describe, expect, it } from 'vitest';
import { addGtid } from './streaming.js';

describe('addGtid', () => {
  it('keeps the last sequence number per MariaDB domain, and merges a MySQL GTID into its set', () => {
    expect(addGtid(null, '0-1-6')).toBe('0-1-6');
    expect(addGtid('0-1-5,1-2-9', '0-1-6')).toBe('0-1-6,1-2-9');
    expect(addGtid('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', '3e11fa47-71ca-11e1-9e33-c80aa9429562:6')).toBe(
      '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-6',
    );
  });
});
