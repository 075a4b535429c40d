import { useState } from 'react';
import { Tabs, tabPanelProps } from '../components/Tabs';
import { LIMITS } from '../lib/validation';
import { LazyMarkdown } from '../markdown/LazyMarkdown';

export function ReadmeEditor({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}) {
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  return (
    <div className={`field readme-editor${error ? ' field-invalid' : ''}`}>
      <div className="field-label-row">
        <span className="label" id="readme-label">
          README
        </span>
        <span className={`counter${value.length > LIMITS.readme ? ' counter-over' : ''}`}>
          {value.length.toLocaleString()} / {LIMITS.readme.toLocaleString()}
        </span>
      </div>
      <Tabs
        items={[
          { id: 'write', label: 'Write' },
          { id: 'preview', label: 'Preview' },
        ]}
        selected={tab}
        onSelect={setTab}
        label="README editor"
        idPrefix="readme"
      />
      <div {...tabPanelProps('readme', tab)} className="readme-panel">
        {tab === 'write' ? (
          <textarea
            aria-labelledby="readme-label"
            aria-describedby={error ? 'readme-error' : undefined}
            aria-invalid={error ? true : undefined}
            rows={14}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            placeholder="# My endpoint&#10;&#10;What it does, what data it covers, how to use it…"
          />
        ) : value.trim() ? (
          <div className="card">
            <LazyMarkdown shiftHeadings>{value}</LazyMarkdown>
          </div>
        ) : (
          <p className="muted">Nothing to preview yet.</p>
        )}
      </div>
      {error && (
        <p id="readme-error" className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
