// Shared pieces of the console: routing, polling, the confirmation dialog, badges and formatting.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { State } from './api';

export const BASE = '/ui';

// ------------------------------------------------------------------------------------------ routing

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  history.pushState(null, '', BASE + path);
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

/** The console path (after /ui) and its query, re-rendering on navigation. */
export function useRoute(): { path: string; query: URLSearchParams } {
  const [, set] = useState(0);
  useEffect(() => {
    const update = (): void => set((n) => n + 1);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
  return { path, query: new URLSearchParams(location.search) };
}

/** An in-console link: a real <a href> (open in new tab works), navigated without a reload. */
export function Link(props: { to: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' }) {
  const onClick = (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={BASE + props.to} onClick={onClick} class={props.class} aria-current={props['aria-current']}>
      {props.children}
    </a>
  );
}

// ------------------------------------------------------------------------------------------ data

/** Loads with fn now and every intervalMs (the live view); reload() fetches at once (after an action). */
export function usePoll<T>(
  fn: () => Promise<T>,
  deps: unknown[],
  intervalMs = 2000,
): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    setData(null);
    setError(null);
  }, deps);
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const run = async (): Promise<void> => {
      try {
        const d = await fnRef.current();
        if (!alive) return;
        setData(d);
        setError(null);
      } catch (e) {
        if (alive) setError((e as Error).message);
      }
      if (alive && intervalMs > 0) timer = window.setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { data, error, reload };
}

// ------------------------------------------------------------------------------------------ feedback

type Toast = { id: number; text: string; kind: 'ok' | 'error' };
let toastSeq = 0;
const toastListeners = new Set<(t: Toast[]) => void>();
let toasts: Toast[] = [];

export function notify(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const t = { id: ++toastSeq, text, kind };
  toasts = [...toasts, t];
  for (const l of toastListeners) l(toasts);
  window.setTimeout(() => {
    toasts = toasts.filter((x) => x.id !== t.id);
    for (const l of toastListeners) l(toasts);
  }, 6000);
}

export function Toasts() {
  const [list, setList] = useState<Toast[]>(toasts);
  useEffect(() => {
    toastListeners.add(setList);
    return () => void toastListeners.delete(setList);
  }, []);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast ${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

/** Runs an action, reports its outcome as a toast, and never lets an error escape unreported. */
export async function act(what: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    notify(what);
    return true;
  } catch (e) {
    notify(`${what} failed: ${(e as Error).message}`, 'error');
    return false;
  }
}

interface Ask {
  title: string;
  body: ComponentChildren;
  confirm: string;
  danger: boolean;
  resolve: (ok: boolean) => void;
}
let askListener: ((a: Ask | null) => void) | null = null;

/** A modal confirmation (native <dialog>: focus trapped, Escape cancels). */
export function confirmAction(
  title: string,
  body: ComponentChildren,
  confirm = 'Confirm',
  danger = false,
): Promise<boolean> {
  return new Promise((resolve) => askListener?.({ title, body, confirm, danger, resolve }));
}

export function ConfirmHost() {
  const [ask, setAsk] = useState<Ask | null>(null);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    askListener = setAsk;
    return () => {
      askListener = null;
    };
  }, []);
  useEffect(() => {
    if (ask && ref.current && !ref.current.open) ref.current.showModal();
  }, [ask]);
  const close = (ok: boolean): void => {
    ref.current?.close();
    ask?.resolve(ok);
    setAsk(null);
  };
  if (!ask) return null;
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onCancel={() => close(false)}>
      <h2 id="confirm-title">{ask.title}</h2>
      <div class="confirm-body">{ask.body}</div>
      <div class="actions">
        <button type="button" onClick={() => close(false)}>
          Cancel
        </button>
        <button type="button" class={ask.danger ? 'danger' : 'primary'} onClick={() => close(true)} autofocus>
          {ask.confirm}
        </button>
      </div>
    </dialog>
  );
}

// ------------------------------------------------------------------------------------------ display

export function Badge({ state }: { state: State | string }) {
  return <span class={`badge state-${state.toLowerCase()}`}>{state}</span>;
}

export function firstLine(trace: string | null | undefined): string {
  return (trace ?? '').split('\n')[0]?.trim() ?? '';
}

export function ago(ms: number | null): string {
  if (ms === null) return 'for an unknown time';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `for ${s}s`;
  if (s < 3600) return `for ${Math.floor(s / 60)} min ${s % 60}s`;
  if (s < 86400) return `for ${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `for ${Math.floor(s / 86400)} days`;
}

export function ErrorNote({ error }: { error: string | null }) {
  return error ? (
    <p class="error-note" role="alert">
      {error}
    </p>
  ) : null;
}

export function Section(props: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
  id?: string;
}) {
  const id = props.id ?? `s-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class="card" aria-labelledby={id}>
      <header class="card-head">
        <h2 id={id}>{props.title}</h2>
        {props.actions ? <div class="actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

export type InputEvent = JSX.TargetedEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, Event>;
export const inputValue = (e: InputEvent): string => e.currentTarget.value;
