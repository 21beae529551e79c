import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startGateway, startMock, tempDir, upstreamFor } from '../integration/lib/gateway.mjs';
const t = { after: () => {} };
const premium = await startMock(t, 'anthropic');
const dir = tempDir();
const gw = await startGateway(t, { audit: { sqlite: join(dir, 'a.db') }, upstreams: [upstreamFor('premium', premium, 'anthropic')] }, { dir });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
const page = await browser.newPage();
page.on('console', (m) => console.log('console', m.type(), m.text()));
await page.goto(`${gw.url}/ui`);
await page.waitForFunction(() => Number(document.body.dataset.statsEvents) >= 2, null, { timeout: 10000 });
const step = process.argv[2];
if (step === 'history') { await page.click('button[data-tab="history"]'); await page.waitForFunction(() => Number(document.body.dataset.historyLoaded) >= 1, null, { timeout: 10000 }); }
await browser.close();
const t0 = Date.now();
try { console.log(await gw.stop()); } catch (e) { console.log('stop failed', e.message.slice(0, 300)); }
console.log('stop took', Date.now() - t0);
await premium.stop();
