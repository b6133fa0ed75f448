/** An in-memory ObjectStore for unit tests, with S3's conditional writes, listed multipart uploads, call counts and injected failures. */
import type { ObjectInfo, ObjectStore, ObjectUpload, UploadOutcome } from '../src/storage.js';

export interface StoredObject {
  bytes: Uint8Array;
  metadata: Record<string, string>;
}

/**
 * An in-memory ObjectStore for unit tests: conditional writes behave as S3's If-None-Match: *,
 * multipart uploads stay listed until completed or aborted, and every call is counted.
 */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly incomplete = new Map<string, string>();
  readonly calls = { put: 0, parts: 0, head: 0, list: 0, delete: 0, abort: 0 };
  partSize = 5 * 1024 * 1024;
  #seq = 0;
  /** Makes the next N completes throw, to simulate a crash mid-upload. */
  failCompletes = 0;

  startUpload(key: string, metadata: Record<string, string>): ObjectUpload {
    const store = this;
    const chunks: Uint8Array[] = [];
    let buffered = 0;
    let uploadId: string | null = null;
    let parts = 0;
    return {
      async write(cs) {
        for (const c of cs) {
          chunks.push(c);
          buffered += c.byteLength;
        }
        if (buffered >= store.partSize) {
          uploadId ??= `u${++store.#seq}`;
          store.incomplete.set(uploadId, key);
          parts++;
          store.calls.parts++;
          // Parts stay in `chunks` (the fake keeps them); only the accounting moves.
          buffered = 0;
        }
      },
      get bufferedBytes() {
        return buffered;
      },
      async complete(replace?: (existing: ObjectInfo) => boolean): Promise<UploadOutcome> {
        if (store.failCompletes > 0) {
          store.failCompletes--;
          throw new Error('simulated crash during upload');
        }
        const existing = store.objects.get(key);
        let outcome: UploadOutcome = 'written';
        if (existing && replace) {
          if (!replace({ key, metadata: existing.metadata, size: existing.bytes.byteLength })) {
            if (uploadId) store.incomplete.delete(uploadId);
            return 'exists';
          }
          outcome = 'overwritten';
        }
        store.calls.put++;
        store.objects.set(key, { bytes: Buffer.concat(chunks), metadata: { ...metadata } });
        if (uploadId) store.incomplete.delete(uploadId);
        void parts;
        return outcome;
      },
      async abort() {
        if (uploadId) store.incomplete.delete(uploadId);
      },
    };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    this.calls.head++;
    const o = this.objects.get(key);
    return o ? { key, metadata: o.metadata, size: o.bytes.byteLength } : null;
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    this.calls.list++;
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter))
      .sort();
  }

  async delete(key: string): Promise<void> {
    this.calls.delete++;
    this.objects.delete(key);
  }

  async abortIncompleteUploads(prefix: string, filter: (key: string) => boolean): Promise<number> {
    let n = 0;
    for (const [id, key] of this.incomplete) {
      if (key.startsWith(prefix) && filter(key)) {
        this.incomplete.delete(id);
        this.calls.abort++;
        n++;
      }
    }
    return n;
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }
}
