// A proxy in its own process, for tests that must kill it (crash safety). Prints `READY <url>`.
import path from 'node:path';
import pino from 'pino';
import { App } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';

const [rawConfig, home] = process.argv.slice(2);
const config = validateConfig(JSON.parse(rawConfig!));
const app = await App.create({
  loaded: { config, file: path.join(home!, 'config.yaml'), home: home!, fileExists: false },
  port: 0,
  env: {},
  log: pino({ level: 'silent' }),
});
await app.start();
process.stdout.write(`READY ${app.url}\n`);
