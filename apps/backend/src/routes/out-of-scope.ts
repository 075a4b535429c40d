import { WalletStatus } from '@syfthub/contracts';
import { ApiError } from '@syfthub/service';
import type { BackendContext } from '../http/context';

// backend-api.md §14: upstream features this hub does not build, answered explicitly so clients fail clearly.
const NOT_BUILT: Array<[method: 'get' | 'post' | 'put' | 'delete', path: string, feature: string]> = [
  ['post', '/api/v1/auth/google', 'Google sign-in'],
  ['post', '/api/v1/wallet/create', 'Wallets'],
  ['post', '/api/v1/wallet/import', 'Wallets'],
  ['get', '/api/v1/wallet/balance', 'Wallets'],
  ['get', '/api/v1/wallet/transactions', 'Wallets'],
  ['post', '/api/v1/wallet/pay', 'Wallet payments'],
  ['get', '/api/v1/wallet/subscriptions', 'Subscriptions'],
  ['post', '/api/v1/wallet/subscriptions', 'Subscriptions'],
  ['delete', '/api/v1/wallet/subscriptions/*', 'Subscriptions'],
  ['get', '/api/v1/users/me/tunnel-credentials', 'Tunnel credentials'],
  ['post', '/api/v1/feedback', 'Feedback'],
  ['get', '/api/v1/users/me/accounting', 'Legacy accounting'],
  ['post', '/api/v1/accounting/transaction-tokens', 'Legacy accounting'],
];

/**
 * 501 NOT_IMPLEMENTED for the out-of-scope upstream routes (§14); the wallet status answers "no wallet" instead,
 * because SyftHub's web app asks for it on every signed-in page and shows a warning on any error (issue 21).
 */
export function registerOutOfScopeRoutes({ routes }: BackendContext): void {
  for (const path of ['/api/v1/wallet', '/api/v1/wallet/']) {
    routes.add(
      {
        method: 'get',
        path,
        summary: 'Wallet status: no wallet on this hub',
        tags: ['not supported'],
        auth: 'user',
        responses: {
          200: { description: 'Always `{"address": null, "exists": false}`', schema: WalletStatus },
        },
      },
      (c) => c.json({ address: null, exists: false }),
    );
  }
  for (const [method, path, feature] of NOT_BUILT) {
    routes.add(
      {
        method,
        path,
        summary: `${feature} (not supported)`,
        tags: ['not supported'],
        auth: 'none',
        responses: { 501: { description: 'Not implemented on this hub' } },
      },
      () => {
        throw new ApiError(501, {
          code: 'NOT_IMPLEMENTED',
          message: `${feature} is not supported by this hub.`,
        });
      },
    );
  }
}
