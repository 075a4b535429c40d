import { useNavigate, useParams } from 'react-router';
import { type TabItem, Tabs, tabPanelProps } from '../components/Tabs';
import { useDocumentTitle, useMediaQuery } from '../lib/hooks';
import { AggregatorsTab } from '../settings/AggregatorsTab';
import { DangerTab } from '../settings/DangerTab';
import { ProfileTab } from '../settings/ProfileTab';
import { SecurityTab } from '../settings/SecurityTab';
import { TokensTab } from '../settings/TokensTab';

type Tab = 'profile' | 'security' | 'tokens' | 'aggregators' | 'danger';

const TABS: TabItem<Tab>[] = [
  { id: 'profile', label: 'Profile' },
  { id: 'security', label: 'Security' },
  { id: 'tokens', label: 'API tokens' },
  { id: 'aggregators', label: 'Aggregators' },
  { id: 'danger', label: 'Danger zone' },
];

export default function SettingsPage() {
  const params = useParams();
  const navigate = useNavigate();
  const tab = (TABS.some((t) => t.id === params.tab) ? params.tab : 'profile') as Tab;
  const narrow = useMediaQuery('(max-width: 767px)');
  const label = TABS.find((t) => t.id === tab)?.label;
  useDocumentTitle(`Settings · ${typeof label === 'string' ? label : ''}`);
  const select = (id: Tab) => navigate(`/settings/${id}`, { replace: true });

  return (
    <div className="page settings-page">
      <header className="page-header">
        <h1>Settings</h1>
      </header>
      <div className="settings-layout">
        {narrow ? (
          <label className="inline-field settings-select">
            <span>Section</span>
            <select value={tab} onChange={(e) => select(e.target.value as Tab)}>
              {TABS.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.label}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <Tabs
            items={TABS}
            selected={tab}
            onSelect={select}
            label="Settings sections"
            idPrefix="settings"
            orientation="vertical"
          />
        )}
        <div {...(narrow ? {} : tabPanelProps('settings', tab))} className="settings-panel">
          {tab === 'profile' && <ProfileTab />}
          {tab === 'security' && <SecurityTab />}
          {tab === 'tokens' && <TokensTab />}
          {tab === 'aggregators' && <AggregatorsTab />}
          {tab === 'danger' && <DangerTab />}
        </div>
      </div>
    </div>
  );
}
