import { createContext, type ReactNode, useContext, useId, useRef, useState } from 'react';
import { Link } from 'react-router';

/** One entry of `done.sources`, in order: entry N is citation [N]. */
export interface CitedSource {
  title: string;
  slug: string;
  content: string;
}

export const CitationSourcesContext = createContext<CitedSource[]>([]);

export function useCitedSources(): CitedSource[] {
  return useContext(CitationSourcesContext);
}

function sourceHref(slug: string): string | null {
  const [owner, name] = slug.split('/');
  return owner && name ? `/${owner}/${name}` : null;
}

/**
 * A trigger (badge or pill) with a card that opens on hover and on keyboard focus, so the document behind a
 * citation is reachable without a mouse (web.md §6.5).
 */
export function SourceHoverCard({
  source,
  children,
  className,
  label,
}: {
  source: CitedSource;
  children: ReactNode;
  className: string;
  label: string;
}) {
  const [open, setOpen] = useState(false);
  const cardId = useId();
  const closeTimer = useRef<number | undefined>(undefined);
  const show = () => {
    window.clearTimeout(closeTimer.current);
    setOpen(true);
  };
  const hide = () => {
    closeTimer.current = window.setTimeout(() => setOpen(false), 120);
  };
  const href = sourceHref(source.slug);
  const excerpt = source.content.length > 500 ? `${source.content.slice(0, 500)}…` : source.content;
  return (
    // Hover on the wrapper keeps the card open while the pointer moves onto it; keyboard users get it via focus.
    // biome-ignore lint/a11y/noStaticElementInteractions: pointer convenience only, the button is the control
    <span className="hovercard-anchor" onMouseEnter={show} onMouseLeave={hide} onFocus={show} onBlur={hide}>
      <button
        type="button"
        className={className}
        aria-label={label}
        aria-describedby={open ? cardId : undefined}
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') setOpen(false);
        }}
      >
        {children}
      </button>
      {open && (
        <span id={cardId} role="tooltip" className="hovercard">
          <strong className="hovercard-title">{source.title}</strong>
          {href ? (
            <Link to={href} className="path-link small">
              {source.slug}
            </Link>
          ) : (
            <span className="small muted">{source.slug}</span>
          )}
          <span className="hovercard-excerpt">{excerpt}</span>
        </span>
      )}
    </span>
  );
}

/** The superscript badges after a cited sentence; each number opens its source's card. */
export function CitationBadges({ indices }: { indices: number[] }) {
  const sources = useCitedSources();
  return (
    <sup className="cite-ref">
      {indices.map((index) => {
        const source = sources[index - 1];
        if (!source) return null;
        return (
          <SourceHoverCard
            key={index}
            source={source}
            className="cite-badge"
            label={`Source ${index}: ${source.title}`}
          >
            {index}
          </SourceHoverCard>
        );
      })}
    </sup>
  );
}
