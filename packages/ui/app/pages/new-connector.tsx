// New connector: pick a plugin from /connector-plugins, fill the form generated from its config definition.
import { api, get, type PluginInfo } from '../api';
import { ConfigEditor } from '../config-editor';
import { ErrorNote, Link, Section, act, navigate, usePoll, inputValue } from '../util';

export function NewConnector({ plugin }: { plugin: string | null }) {
  const { data, error } = usePoll(() => get<PluginInfo[]>('/connector-plugins'), [], 0);
  return (
    <div class="page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link to="/connectors">Connectors</Link> / <span aria-current="page">New connector</span>
      </nav>
      <h1>New connector</h1>
      <ErrorNote error={error} />
      <Section title="Plugin">
        <label for="plugin" class="block">
          Connector plugin
        </label>
        <select
          id="plugin"
          value={plugin ?? ''}
          onChange={(e) => {
            const p = inputValue(e);
            navigate(p ? `/new?plugin=${encodeURIComponent(p)}` : '/new');
          }}
        >
          <option value="">— choose a plugin —</option>
          {(data ?? []).map((p) => (
            <option key={p.class} value={p.class}>
              {p.class} ({p.type}, {p.version})
            </option>
          ))}
        </select>
      </Section>
      {plugin ? (
        <Section title="Configuration">
          <ConfigEditor
            key={plugin}
            plugin={plugin}
            initial={{ 'connector.class': plugin, name: '' }}
            mode="create"
            onApply={async (config) => {
              const name = config.name ?? '';
              const ok = await act(`Created ${name}`, () => api('POST', '/connectors', { name, config }));
              if (ok) navigate(`/connectors/${encodeURIComponent(name)}`);
              return ok;
            }}
          />
        </Section>
      ) : null}
    </div>
  );
}
