import type { Env } from '@syfthub/service';
import type { Hono } from 'hono';

/** Colours meet WCAG AA contrast on white; the layout works down to 320 px. */
const LOGIN_CSS = `*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1f2b;background:#f3f5f9;line-height:1.5}
body{margin:0;padding:1rem;min-height:100vh;display:flex;align-items:flex-start;justify-content:center}
.card{width:100%;max-width:26rem;margin-top:2rem;background:#fff;border:1px solid #d5dae3;border-radius:12px;padding:1.5rem}
.logo{display:block;margin:0 auto 0.75rem}
h1{font-size:1.4rem;text-align:center;margin:0 0 1rem}
h2{font-size:1rem;margin:1rem 0 0.25rem}
p{margin:0.5rem 0}
.lead{font-size:1.05rem}
.detail,.scopes{color:#3d4657;font-size:0.92rem;overflow-wrap:anywhere}
.grants ul{margin:0.25rem 0 0.5rem;padding-left:1.25rem}
code{font-size:0.9em;background:#eef1f6;padding:0.05rem 0.3rem;border-radius:4px;overflow-wrap:anywhere}
.alert-shown{margin:1rem 0;padding:0.6rem 0.75rem;border-radius:8px;background:#fdecec;border:1px solid #e4a5a5;color:#8a1c1c}
form{margin-top:1rem}
label{display:block;font-weight:600;margin:0.75rem 0 0.25rem}
input[type=text],input[type=password]{width:100%;padding:0.6rem 0.7rem;font-size:1rem;border:1px solid #8691a3;border-radius:8px;color:#1a1f2b;background:#fff}
.actions{display:flex;flex-wrap:wrap;gap:0.75rem;margin-top:1.25rem}
button{flex:1 1 8rem;padding:0.65rem 1rem;font-size:1rem;font-weight:600;border-radius:8px;border:1px solid #8691a3;background:#fff;color:#1a1f2b;cursor:pointer}
button.primary{background:#1d4ed8;border-color:#1d4ed8;color:#fff}
a{color:#1d4ed8}
.links{margin-top:1.25rem;text-align:center;font-size:0.92rem}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
`;

const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" role="img" aria-label="SyftHub"><rect width="48" height="48" rx="12" fill="#1d4ed8"/><circle cx="24" cy="24" r="6" fill="#fff"/><circle cx="12" cy="14" r="3.5" fill="#bfdbfe"/><circle cx="36" cy="14" r="3.5" fill="#bfdbfe"/><circle cx="12" cy="34" r="3.5" fill="#bfdbfe"/><circle cx="36" cy="34" r="3.5" fill="#bfdbfe"/><path d="M14.5 16 21 21M33.5 16 27 21M14.5 32 21 27M33.5 32 27 27" stroke="#bfdbfe" stroke-width="2" stroke-linecap="round"/></svg>`;

const ASSETS: Record<string, { body: string; type: string }> = {
  'login.css': { body: LOGIN_CSS, type: 'text/css; charset=utf-8' },
  'logo.svg': { body: LOGO_SVG, type: 'image/svg+xml' },
};

/** `GET /mcp/static/*`: the login page's stylesheet and logo, served from memory. */
export function registerStaticRoutes(app: Hono<Env>): void {
  app.get('/mcp/static/:name', (c) => {
    const asset = ASSETS[c.req.param('name')];
    if (!asset) return c.json({ detail: 'Not Found' }, 404);
    return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=3600' });
  });
}
