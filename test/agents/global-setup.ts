import { ensureAgents } from './install.js';

/** `npm run test:agents`: install the pinned agents into the cache (once; later runs reuse it). */
export default async function setup(): Promise<void> {
  const set = await ensureAgents((s) => console.log(`[agents] ${s}`));
  console.log(
    `[agents] ${set.versions.claude}, ${set.versions.codex}, ${set.versions.openclaw}, node ${set.versions.node} from ${set.dir}`,
  );
}
