// Schema registry: subjects, a subject's versions with their schemas, compatibility levels and modes, soft and permanent deletes (through the worker's proxy).
import { useState } from 'preact/hooks';
import { ApiError, api, enc, get, REGISTRY, type RegistryInfo, type RegistrySchemaVersion } from '../api';
import { indentJson } from '../records';
import { ErrorNote, Link, Section, act, confirmAction, inputValue, navigate, usePoll } from '../util';

const LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

/** The registry's answer, or null when it says the thing is not there (a subject without its own level or mode). */
async function maybe<T>(path: string): Promise<T | null> {
  try {
    return await get<T>(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

function NotConfigured() {
  return (
    <Section title="No schema registry configured">
      <p>
        This worker does not name a schema registry. Set <code>tributary.console.schema.registry.url</code> in the
        worker config (or <code>value.converter.schema.registry.url</code>, which the console uses when the console key
        is not set), with <code>tributary.console.schema.registry.basic.auth.credentials.source=USER_INFO</code> and{' '}
        <code>tributary.console.schema.registry.basic.auth.user.info</code> when the registry asks for credentials, and
        restart the worker. <code>tributary dev</code> configures the registry it starts.
      </p>
      <p class="muted">The browser never talks to the registry: the worker forwards the console's requests.</p>
    </Section>
  );
}

/** Compatibility level: the own one, or the one inherited (global or default), with a picker that changes it. */
function Compatibility(props: {
  label: string;
  own: string | null;
  inherited: string | null;
  onSet(level: string): void;
  onClear?: () => void;
}) {
  const current = props.own ?? props.inherited ?? 'BACKWARD';
  return (
    <div class="registry-setting">
      <label>
        {props.label}
        <select value={current} onChange={(e) => props.onSet(inputValue(e))}>
          {LEVELS.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </label>
      {props.onClear ? (
        props.own ? (
          <button type="button" onClick={props.onClear}>
            Use the global level
          </button>
        ) : (
          <span class="muted">inherited from the global level</span>
        )
      ) : null}
    </div>
  );
}

export function Subjects() {
  const info = usePoll(() => get<RegistryInfo>(REGISTRY), [], 0);
  const configured = info.data?.configured === true;
  const [filter, setFilter] = useState('');
  const [showDeleted, setShowDeleted] = useState(false);
  const { data, error, reload } = usePoll(
    async () => {
      if (!configured) return null;
      const [active, all, config, mode] = await Promise.all([
        get<string[]>(`${REGISTRY}/subjects`),
        get<string[]>(`${REGISTRY}/subjects?deleted=true`),
        get<{ compatibilityLevel: string }>(`${REGISTRY}/config`),
        get<{ mode: string }>(`${REGISTRY}/mode`),
      ]);
      return { active: new Set(active), all: [...all].sort(), config, mode };
    },
    [configured],
    5000,
  );
  const setGlobal = async (level: string): Promise<void> => {
    await act(`Global compatibility set to ${level}`, () => api('PUT', `${REGISTRY}/config`, { compatibility: level }));
    reload();
  };
  const f = filter.trim().toLowerCase();
  const shown = (data?.all ?? []).filter(
    (s) => (showDeleted || data?.active.has(s)) && (f === '' || s.toLowerCase().includes(f)),
  );
  return (
    <div class="page">
      <h1>Schema registry</h1>
      <ErrorNote error={info.error ?? error} />
      {info.data && !configured ? <NotConfigured /> : null}
      {configured && data ? (
        <>
          <Section title="Registry">
            <dl class="facts">
              <div>
                <dt>URL</dt>
                <dd>
                  <code>{(info.data?.urls ?? []).join(', ')}</code> <span class="muted">({info.data?.source})</span>
                </dd>
              </div>
              <div>
                <dt>Mode</dt>
                <dd>{data.mode.mode}</dd>
              </div>
            </dl>
            <Compatibility
              label="Global compatibility"
              own={data.config.compatibilityLevel}
              inherited={null}
              onSet={(l) => void setGlobal(l)}
            />
          </Section>
          <Section title={`Subjects (${shown.length})`}>
            <form class="filters" aria-label="Filter subjects" onSubmit={(e) => e.preventDefault()}>
              <label>
                Filter
                <input
                  type="search"
                  value={filter}
                  onInput={(e) => setFilter(inputValue(e))}
                  placeholder="part of a subject name"
                />
              </label>
              <label class="check">
                <input
                  type="checkbox"
                  checked={showDeleted}
                  onChange={(e) => setShowDeleted(e.currentTarget.checked)}
                />
                Show soft-deleted subjects
              </label>
            </form>
            {shown.length === 0 ? (
              <p class="muted">{data.all.length === 0 ? 'No subjects registered yet.' : 'No subject matches.'}</p>
            ) : (
              <ul class="plain subjects">
                {shown.map((s) => (
                  <li key={s}>
                    <Link to={`/schemas/${enc(s)}`}>{s}</Link>
                    {data.active.has(s) ? null : <span class="badge state-stopped">soft-deleted</span>}
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </>
      ) : null}
    </div>
  );
}

function prettySchema(v: RegistrySchemaVersion): string {
  if ((v.schemaType ?? 'AVRO') === 'PROTOBUF') return v.schema;
  return indentJson(v.schema);
}

export function Subject({ subject, version }: { subject: string; version: string | null }) {
  const base = `${REGISTRY}/subjects/${enc(subject)}`;
  const info = usePoll(() => get<RegistryInfo>(REGISTRY), [], 0);
  const configured = info.data?.configured === true;
  const overview = usePoll(
    async () => {
      if (!configured) return null;
      const [all, active, own, global, ownMode, globalMode] = await Promise.all([
        maybe<number[]>(`${base}/versions?deleted=true`),
        maybe<number[]>(`${base}/versions`),
        maybe<{ compatibilityLevel: string }>(`${REGISTRY}/config/${enc(subject)}`),
        get<{ compatibilityLevel: string }>(`${REGISTRY}/config`),
        maybe<{ mode: string }>(`${REGISTRY}/mode/${enc(subject)}`),
        get<{ mode: string }>(`${REGISTRY}/mode`),
      ]);
      return {
        all: all ?? [],
        active: new Set(active ?? []),
        own: own?.compatibilityLevel ?? null,
        global: global.compatibilityLevel,
        mode: ownMode?.mode ?? globalMode.mode,
        modeOwn: ownMode !== null,
      };
    },
    [configured, subject],
    5000,
  );
  const versions = overview.data?.all ?? [];
  const selected = version ? Number(version) : (versions[versions.length - 1] ?? null);
  const detail = usePoll(
    async () => {
      if (!configured || selected === null) return null;
      const v = await get<RegistrySchemaVersion>(`${base}/versions/${selected}?deleted=true`);
      const referencedBy = await maybe<number[]>(`${base}/versions/${selected}/referencedby`);
      return { v, referencedBy: referencedBy ?? [] };
    },
    [configured, subject, selected],
    0,
  );
  const reload = (): void => {
    overview.reload();
    detail.reload();
  };
  const setLevel = async (level: string): Promise<void> => {
    await act(`Compatibility of ${subject} set to ${level}`, () =>
      api('PUT', `${REGISTRY}/config/${enc(subject)}`, { compatibility: level }),
    );
    reload();
  };
  const clearLevel = async (): Promise<void> => {
    await act(`${subject} uses the global compatibility level`, () =>
      api('DELETE', `${REGISTRY}/config/${enc(subject)}`),
    );
    reload();
  };
  const deleteVersion = async (v: number, permanent: boolean): Promise<void> => {
    const ok = await confirmAction(
      `${permanent ? 'Permanently delete' : 'Delete'} version ${v} of ${subject}?`,
      permanent
        ? 'The version and its schema are removed for good; records written with its id can then no longer be read through this subject.'
        : 'A soft delete: the version stays readable by id and can be deleted permanently afterwards.',
      permanent ? 'Delete permanently' : 'Delete version',
      true,
    );
    if (!ok) return;
    await act(`Version ${v} of ${subject} ${permanent ? 'permanently deleted' : 'deleted'}`, () =>
      api('DELETE', `${base}/versions/${v}${permanent ? '?permanent=true' : ''}`),
    );
    reload();
  };
  const deleteSubject = async (permanent: boolean): Promise<void> => {
    const ok = await confirmAction(
      `${permanent ? 'Permanently delete' : 'Delete'} subject ${subject}?`,
      permanent
        ? 'Every version of the subject is removed for good.'
        : 'A soft delete of every version: schemas stay readable by id; the subject can be deleted permanently afterwards.',
      permanent ? 'Delete permanently' : 'Delete subject',
      true,
    );
    if (!ok) return;
    const done = await act(`Subject ${subject} ${permanent ? 'permanently deleted' : 'deleted'}`, () =>
      api('DELETE', `${base}${permanent ? '?permanent=true' : ''}`),
    );
    if (done && permanent) navigate('/schemas');
    else reload();
  };
  const o = overview.data;
  const d = detail.data;
  const allSoftDeleted = o !== null && o.all.length > 0 && o.active.size === 0;
  return (
    <div class="page">
      <p class="crumbs">
        <Link to="/schemas">Schema registry</Link> /
      </p>
      <h1>{subject}</h1>
      <ErrorNote error={info.error ?? overview.error ?? detail.error} />
      {info.data && !configured ? <NotConfigured /> : null}
      {o ? (
        <>
          <Section
            title="Subject"
            actions={
              allSoftDeleted ? (
                <button type="button" class="danger" onClick={() => void deleteSubject(true)}>
                  Delete subject permanently
                </button>
              ) : o.all.length > 0 ? (
                <button type="button" class="danger" onClick={() => void deleteSubject(false)}>
                  Delete subject
                </button>
              ) : null
            }
          >
            {o.all.length === 0 ? <p class="muted">The registry has no versions under this subject.</p> : null}
            <dl class="facts">
              <div>
                <dt>Mode</dt>
                <dd>
                  {o.mode} <span class="muted">{o.modeOwn ? '(set on the subject)' : '(the global mode)'}</span>
                </dd>
              </div>
              <div>
                <dt>Global compatibility</dt>
                <dd>{o.global}</dd>
              </div>
            </dl>
            <Compatibility
              label="Compatibility of this subject"
              own={o.own}
              inherited={o.global}
              onSet={(l) => void setLevel(l)}
              onClear={() => void clearLevel()}
            />
          </Section>
          <div class="schema-layout">
            <Section title="Versions">
              <ul class="plain versions" aria-label="Versions">
                {[...o.all].reverse().map((v) => (
                  <li key={v}>
                    <Link
                      to={`/schemas/${enc(subject)}?version=${v}`}
                      aria-current={v === selected ? 'page' : undefined}
                    >
                      version {v}
                    </Link>
                    {o.active.has(v) ? null : <span class="badge state-stopped">soft-deleted</span>}
                  </li>
                ))}
              </ul>
            </Section>
            {d ? (
              <Section
                title={`Version ${d.v.version}`}
                actions={
                  o.active.has(d.v.version) ? (
                    <button type="button" class="danger" onClick={() => void deleteVersion(d.v.version, false)}>
                      Delete version
                    </button>
                  ) : (
                    <button type="button" class="danger" onClick={() => void deleteVersion(d.v.version, true)}>
                      Delete permanently
                    </button>
                  )
                }
              >
                <dl class="facts">
                  <div>
                    <dt>Schema id</dt>
                    <dd>
                      <code>{d.v.id}</code>
                    </dd>
                  </div>
                  <div>
                    <dt>Type</dt>
                    <dd>{d.v.schemaType ?? 'AVRO'}</dd>
                  </div>
                  <div>
                    <dt>State</dt>
                    <dd>{o.active.has(d.v.version) ? 'active' : 'soft-deleted'}</dd>
                  </div>
                  <div>
                    <dt>References</dt>
                    <dd>
                      {(d.v.references ?? []).length === 0
                        ? 'none'
                        : (d.v.references ?? []).map((r) => (
                            <span key={r.name} class="ref">
                              <code>{r.name}</code> →{' '}
                              <Link to={`/schemas/${enc(r.subject)}?version=${r.version}`}>
                                {r.subject} v{r.version}
                              </Link>
                            </span>
                          ))}
                    </dd>
                  </div>
                  <div>
                    <dt>Referenced by</dt>
                    <dd>{d.referencedBy.length === 0 ? 'none' : d.referencedBy.map((id) => `id ${id}`).join(', ')}</dd>
                  </div>
                </dl>
                <figure class="schema">
                  <figcaption class="sr-only">Schema of version {d.v.version}</figcaption>
                  <pre>{prettySchema(d.v)}</pre>
                </figure>
              </Section>
            ) : null}
          </div>
        </>
      ) : null}
    </div>
  );
}
