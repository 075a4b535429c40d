const PATHS = {
  chat: 'M4 5h16v10H8l-4 4V5z',
  browse: 'M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z',
  collectives: 'M8 8a3 3 0 100-.01M16 8a3 3 0 100-.01M12 16a3 3 0 100-.01M8 8l4 8M16 8l-4 8M8 8h8',
  endpoints: 'M5 4h14v4H5zM5 10h14v4H5zM5 16h14v4H5z',
  build: 'M14 4l6 6-10 10H4v-6L14 4z',
  about: 'M12 3a9 9 0 100 18 9 9 0 000-18zm0 7v7m0-10v1',
  docs: 'M6 3h9l4 4v14H6zM14 3v5h5',
  menu: 'M4 6h16M4 12h16M4 18h16',
  sun: 'M12 7a5 5 0 100 10 5 5 0 000-10zM12 1v3M12 20v3M1 12h3M20 12h3M4.2 4.2l2.1 2.1M17.7 17.7l2.1 2.1M4.2 19.8l2.1-2.1M17.7 6.3l2.1-2.1',
  moon: 'M20 14.5A8 8 0 019.5 4 8 8 0 1020 14.5z',
  system: 'M3 4h18v12H3zM8 20h8M12 16v4',
  star: 'M12 3l2.8 5.8 6.2.9-4.5 4.4 1 6.2-5.5-2.9-5.5 2.9 1-6.2L3 9.7l6.2-.9z',
  plus: 'M12 5v14M5 12h14',
  external: 'M14 4h6v6M20 4l-9 9M18 14v6H4V6h6',
  send: 'M4 12l16-8-6 16-2-6-8-2z',
  stop: 'M6 6h12v12H6z',
  search: 'M10 4a6 6 0 104.5 10l5.5 5.5M10 4a6 6 0 010 12',
  close: 'M6 6l12 12M18 6L6 18',
  check: 'M4 12l5 5L20 6',
} as const;

export type IconName = keyof typeof PATHS;

/** Decorative line icons; the accessible name always comes from text next to them. */
export function Icon({
  name,
  size = 18,
  filled = false,
}: {
  name: IconName;
  size?: number;
  filled?: boolean;
}) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
      fill={filled ? 'currentColor' : 'none'}
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
