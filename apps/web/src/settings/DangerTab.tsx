import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useToast } from '../components/Toasts';
import { Field, InlineError } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useSession } from '../session/SessionProvider';

export function DangerTab() {
  const hub = useHub();
  const toast = useToast();
  const navigate = useNavigate();
  const { user, signOut } = useSession();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!user) return null;

  async function remove() {
    if (!user) return;
    setBusy(true);
    setError(null);
    try {
      await hub.users.delete(user.id);
      await signOut();
      toast.success('Your account has been deleted.');
      navigate('/');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card form-section danger-zone" aria-labelledby="danger-title">
      <h2 id="danger-title">Delete account</h2>
      <p>Deleting your account removes, permanently:</p>
      <ul>
        <li>all your endpoints, with their stars and uptime history;</li>
        <li>your API tokens and every signed-in session;</li>
        <li>the stars you gave and your aggregator settings.</li>
      </ul>
      <InlineError error={error} />
      <Field
        label={
          <>
            Type your username, <code>{user.username}</code>, to confirm
          </>
        }
      >
        {(props) => (
          <input {...props} value={typed} autoComplete="off" onChange={(e) => setTyped(e.target.value)} />
        )}
      </Field>
      <button
        type="button"
        className="button button-danger"
        disabled={typed !== user.username || busy}
        onClick={remove}
      >
        {busy ? 'Deleting…' : 'Delete my account'}
      </button>
    </section>
  );
}
