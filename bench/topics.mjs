// The benchmarks' topics. Every benchmark names its topics with "bench" in them (bench-raw-…, benchkc…,
// bench_….public.orders, avrobench_…, jdbcbench_…); a run writes from hundreds of megabytes to gigabytes
// into them, and runs one after another filled the broker's disk.
import { Admin } from '@platformatic/kafka';

export async function withAdmin(bootstrap, use) {
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: bootstrap });
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

export async function listTopics(bootstrap) {
  return new Set(await withAdmin(bootstrap, (admin) => admin.listTopics()));
}

/** Deletes the existing topics that `pick` picks. */
export async function deleteTopics(bootstrap, pick) {
  await withAdmin(bootstrap, async (admin) => {
    const made = (await admin.listTopics()).filter(pick);
    if (made.length > 0) await admin.deleteTopics({ topics: made });
  });
}

/** Deletes the benchmark topics made since `before` (a listTopics() result); others are left alone. */
export async function deleteBenchTopicsSince(bootstrap, before) {
  await deleteTopics(bootstrap, (t) => !before.has(t) && /bench/i.test(t));
}
