import type { EndpointView } from '@syfthub/client';
import { useAuthModal } from '../auth/AuthModalContext';
import { Icon } from '../components/Icon';
import { useToast } from '../components/Toasts';
import { useStarred, useStarToggle } from '../lib/queries';
import { useSession } from '../session/SessionProvider';

export function StarButton({ endpoint }: { endpoint: EndpointView }) {
  const { status } = useSession();
  const authModal = useAuthModal();
  const toast = useToast();
  const starred = useStarred(endpoint.id);
  const toggle = useStarToggle(endpoint);
  const isStarred = starred.data?.starred ?? false;

  if (status !== 'signed_in') {
    return (
      <button
        type="button"
        className="button star-button"
        onClick={() =>
          authModal.open({ kind: 'login', notice: 'Sign in to star endpoints.' }, window.location.pathname)
        }
      >
        <Icon name="star" /> Star <span className="count">{endpoint.stars_count}</span>
      </button>
    );
  }
  return (
    <button
      type="button"
      className={`button star-button${isStarred ? ' button-selected' : ''}`}
      aria-pressed={isStarred}
      disabled={starred.isPending || toggle.isPending}
      onClick={() =>
        toggle.mutate(!isStarred, {
          onError: (error) => toast.error(error, 'Could not update the star.'),
        })
      }
    >
      <Icon name="star" filled={isStarred} /> {isStarred ? 'Starred' : 'Star'}{' '}
      <span className="count">
        {endpoint.stars_count}
        <span className="visually-hidden"> stars</span>
      </span>
    </button>
  );
}
