import type { RlRuntime } from '../../learning/rl/runtime.js';
import { HttpError, sendJson } from '../http-util.js';
import type { Route } from '../router.js';

/** The running service's trainer: status, and one step on demand (the new sampler goes live). */
export function trainRoutes(rl: RlRuntime): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/admin/train',
      auth: true,
      errorShape: 'openai',
      handler: ({ res }) => sendJson(res, 200, { ...rl.status(), steps: rl.trainer.steps.list(20) }),
    },
    {
      method: 'POST',
      path: '/v1/admin/train/step',
      auth: true,
      errorShape: 'openai',
      handler: async ({ req, res }) => {
        req.resume();
        try {
          sendJson(res, 200, await rl.trainer.step());
        } catch (err) {
          throw new HttpError(502, `training step failed: ${(err as Error).message}`, 'api_error');
        }
      },
    },
  ];
}
