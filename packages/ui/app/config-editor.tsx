// A connector config as a form generated from the plugin's definition and as JSON, validated as you type, applied after a diff.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type ConfigInfos, type ConfigKeyInfo, enc } from './api';
import { HIDDEN, isSecret, masked, unmasked } from './secrets';
import { ErrorNote, type InputEvent, inputValue } from './util';

export interface ConfigEditorProps {
  plugin: string;
  /** The stored config (edit) or the starting one (create). */
  initial: Record<string, string>;
  mode: 'create' | 'edit';
  onApply(config: Record<string, string>): Promise<boolean>;
}

const fieldId = (name: string): string => `cfg-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** Drops unset keys: an empty field means "use the default". */
function compact(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== '') out[k] = v;
  return out;
}

export function ConfigEditor({ plugin, initial, mode, onApply }: ConfigEditorProps) {
  // Secrets start empty in edit mode ("leave empty to keep"), so their values are never in the DOM.
  const [values, setValues] = useState<Record<string, string>>(() => {
    const v: Record<string, string> = {};
    for (const [k, x] of Object.entries(initial)) v[k] = mode === 'edit' && isSecret(k) ? '' : x;
    return v;
  });
  const [infos, setInfos] = useState<ConfigInfos | null>(null);
  const [validateError, setValidateError] = useState<string | null>(null);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [view, setView] = useState<'form' | 'json'>('form');
  const [showAll, setShowAll] = useState(false);
  const [reviewing, setReviewing] = useState(false);
  const [applying, setApplying] = useState(false);
  const [jsonText, setJsonText] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const seq = useRef(0);

  const defs = useMemo(() => {
    const m = new Map<string, ConfigKeyInfo>();
    for (const c of infos?.configs ?? []) m.set(c.definition.name, c.definition);
    return m;
  }, [infos]);
  const candidate = (): Record<string, string> => compact(unmasked(values, initial, defs));

  useEffect(() => {
    const n = ++seq.current;
    const timer = window.setTimeout(async () => {
      try {
        const r = await api<ConfigInfos>('PUT', `/connector-plugins/${enc(plugin)}/config/validate`, {
          ...candidate(),
          'connector.class': values['connector.class'] || plugin,
        });
        if (n === seq.current) {
          setInfos(r);
          setValidateError(null);
        }
      } catch (e) {
        if (n === seq.current) setValidateError((e as Error).message);
      }
    }, 300);
    return () => window.clearTimeout(timer);
  }, [values, plugin]);

  const errorsOf = (name: string): string[] => {
    const c = infos?.configs.find((x) => x.value.name === name);
    return c ? c.value.errors : [];
  };
  const set = (name: string, v: string): void => {
    setValues((old) => ({ ...old, [name]: v }));
    setTouched((t) => (t.has(name) ? t : new Set(t).add(name)));
    setReviewing(false);
  };
  const errorCount = infos?.error_count ?? 0;

  const review = (): void => {
    setSubmitted(true);
    if (errorCount === 0 && infos && !jsonError) setReviewing(true);
  };
  const apply = async (): Promise<void> => {
    setApplying(true);
    const ok = await onApply(candidate());
    setApplying(false);
    if (ok) setReviewing(false);
  };

  // The plugin's own keys (no group) first: they are what a user came to set.
  const groups = infos ? [null, ...infos.groups] : [];
  const visible = (d: ConfigKeyInfo, visibleFlag: boolean): boolean =>
    visibleFlag &&
    (showAll ||
      d.required ||
      d.importance === 'HIGH' ||
      (values[d.name] ?? '') !== '' ||
      initial[d.name] !== undefined ||
      errorsOf(d.name).length > 0);

  const field = (d: ConfigKeyInfo, rec: string[]) => {
    const id = fieldId(d.name);
    const errs = touched.has(d.name) || submitted ? errorsOf(d.name) : [];
    const secret = isSecret(d.name, d);
    const v = values[d.name] ?? '';
    const describedBy = `${id}-doc${errs.length ? ` ${id}-err` : ''}`;
    const common = {
      id,
      name: d.name,
      'aria-describedby': describedBy,
      'aria-invalid': errs.length > 0,
      'aria-required': d.required,
    };
    const onInput = (e: InputEvent): void => set(d.name, inputValue(e));
    let input: preact.JSX.Element;
    if (d.name === 'connector.class') {
      input = <input {...common} value={values['connector.class'] || plugin} readOnly />;
    } else if (secret) {
      input = (
        <input
          {...common}
          type="password"
          autocomplete="new-password"
          value={v}
          onInput={onInput}
          placeholder={mode === 'edit' && initial[d.name] !== undefined ? 'hidden — leave empty to keep' : ''}
        />
      );
    } else if (d.type === 'BOOLEAN' || (rec.length > 0 && d.type !== 'LIST')) {
      const options = d.type === 'BOOLEAN' && rec.length === 0 ? ['true', 'false'] : rec;
      input = (
        <select {...common} value={v} onChange={onInput}>
          <option value="">{d.default_value !== null ? `default (${d.default_value})` : '— not set —'}</option>
          {[...options, ...(v && !options.includes(v) ? [v] : [])].map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
    } else {
      input = (
        <>
          <input
            {...common}
            value={v}
            onInput={onInput}
            placeholder={d.default_value ?? ''}
            list={rec.length ? `${id}-list` : undefined}
          />
          {rec.length ? (
            <datalist id={`${id}-list`}>
              {rec.map((o) => (
                <option key={o} value={o} />
              ))}
            </datalist>
          ) : null}
        </>
      );
    }
    return (
      <div key={d.name} class={`field ${errs.length ? 'invalid' : ''}`}>
        <label for={id}>
          {d.display_name || d.name}
          {d.required ? (
            <span class="req" title="required">
              {' '}
              * <span class="sr-only">required</span>
            </span>
          ) : null}
          {d.display_name && d.display_name !== d.name ? <code class="key">{d.name}</code> : null}
        </label>
        {input}
        <p id={`${id}-doc`} class="doc">
          {d.documentation}
          {d.default_value !== null && d.default_value !== '' ? (
            <>
              {' '}
              Default: <code>{secret ? HIDDEN : d.default_value}</code>.
            </>
          ) : null}
        </p>
        {errs.length ? (
          <p id={`${id}-err`} class="field-error" role="alert">
            {errs.join(' ')}
          </p>
        ) : null}
      </div>
    );
  };

  const extraKeys = Object.keys(values).filter((k) => !defs.has(k));
  const onJson = (text: string): void => {
    setJsonText(text);
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('the config must be a JSON object');
      const next: Record<string, string> = {};
      for (const [k, x] of Object.entries(parsed as Record<string, unknown>)) {
        if (x === null) continue;
        next[k] = typeof x === 'string' ? x : JSON.stringify(x);
      }
      setJsonError(null);
      setValues(next);
      setTouched(new Set(Object.keys(next)));
      setReviewing(false);
    } catch (e) {
      setJsonError(`Invalid JSON: ${(e as Error).message}`);
    }
  };
  const jsonShown = jsonText ?? JSON.stringify(masked(candidate(), defs), null, 2);

  return (
    <div class="config-editor">
      <div class="tabs" role="tablist" aria-label="Config view">
        <button
          type="button"
          role="tab"
          aria-selected={view === 'form'}
          onClick={() => {
            setView('form');
            setJsonText(null);
          }}
        >
          Form
        </button>
        <button type="button" role="tab" aria-selected={view === 'json'} onClick={() => setView('json')}>
          JSON
        </button>
        <label class="inline">
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.currentTarget.checked)} /> Show all
          settings
        </label>
      </div>
      <ErrorNote error={validateError} />
      {view === 'form' ? (
        <div class="form" role="tabpanel">
          {!infos ? <p class="loading">Loading the plugin's settings…</p> : null}
          {groups.map((g) => {
            const items = (infos?.configs ?? []).filter(
              (c) => (c.definition.group ?? null) === g && visible(c.definition, c.value.visible),
            );
            if (items.length === 0) return null;
            items.sort((a, b) => a.definition.order_in_group - b.definition.order_in_group);
            return (
              <fieldset key={g ?? '-'}>
                <legend>{g ?? 'Connector'}</legend>
                {items.map((c) => field(c.definition, c.value.recommended_values))}
              </fieldset>
            );
          })}
          {extraKeys.length ? (
            <fieldset>
              <legend>Other keys</legend>
              {extraKeys.map((k) =>
                field(
                  {
                    name: k,
                    type: 'STRING',
                    required: false,
                    default_value: null,
                    importance: 'LOW',
                    documentation: '',
                    group: null,
                    width: 'NONE',
                    display_name: k,
                    dependents: [],
                    order_in_group: 0,
                  },
                  [],
                ),
              )}
            </fieldset>
          ) : null}
        </div>
      ) : (
        <div role="tabpanel">
          <label for="config-json" class="block">
            Config as JSON (hidden values stay as they are unless replaced)
          </label>
          <textarea
            id="config-json"
            class="json"
            rows={18}
            spellcheck={false}
            value={jsonShown}
            onInput={(e) => onJson(e.currentTarget.value)}
            aria-invalid={jsonError !== null}
          />
          <ErrorNote error={jsonError} />
          {submitted || touched.size > 0 ? (
            <ul class="json-errors">
              {(infos?.configs ?? [])
                .filter((c) => c.value.errors.length > 0)
                .map((c) => (
                  <li key={c.value.name} class="field-error">
                    <code>{c.value.name}</code>: {c.value.errors.join(' ')}
                  </li>
                ))}
            </ul>
          ) : null}
        </div>
      )}
      <div class="actions sticky">
        <span class={errorCount ? 'bad' : 'muted'} aria-live="polite">
          {infos ? (errorCount ? `${errorCount} error${errorCount === 1 ? '' : 's'}` : 'Valid') : 'Validating…'}
        </span>
        <button type="button" class="primary" onClick={review} disabled={!infos}>
          {mode === 'create' ? 'Review and create' : 'Review changes'}
        </button>
      </div>
      {reviewing ? (
        <Diff
          before={mode === 'create' ? {} : initial}
          after={candidate()}
          defs={defs}
          onApply={apply}
          onCancel={() => setReviewing(false)}
          applying={applying}
          verb={mode === 'create' ? 'Create' : 'Apply'}
        />
      ) : null}
    </div>
  );
}

function Diff(props: {
  before: Record<string, string>;
  after: Record<string, string>;
  defs: Map<string, ConfigKeyInfo>;
  onApply(): void;
  onCancel(): void;
  applying: boolean;
  verb: string;
}) {
  const keys = [...new Set([...Object.keys(props.before), ...Object.keys(props.after)])].sort();
  const rows = keys.map((k) => ({ k, b: props.before[k], a: props.after[k] })).filter((r) => r.a !== r.b);
  const show = (k: string, v: string | undefined): string =>
    v === undefined ? '' : isSecret(k, props.defs.get(k)) ? HIDDEN : v;
  return (
    <section class="card diff" aria-labelledby="diff-title">
      <h2 id="diff-title">Changes to apply</h2>
      {rows.length === 0 ? (
        <p class="muted">Nothing changed.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.k} class={r.b === undefined ? 'added' : r.a === undefined ? 'removed' : 'changed'}>
                <td>
                  <code>{r.k}</code>
                </td>
                <td class="wrap">
                  {r.b === undefined ? <span class="muted">(not set)</span> : <del>{show(r.k, r.b)}</del>}
                </td>
                <td class="wrap">
                  {r.a === undefined ? <span class="muted">(removed)</span> : <ins>{show(r.k, r.a)}</ins>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Back to editing
        </button>
        <button type="button" class="primary" onClick={props.onApply} disabled={props.applying || rows.length === 0}>
          {props.applying ? 'Applying…' : props.verb}
        </button>
      </div>
    </section>
  );
}
