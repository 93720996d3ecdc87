// Treaty's dashboard in Debian's headless Chromium, driven by
// playwright-core (no browser download). Run by
// crates/treaty-server/tests/ui_e2e.rs, which starts a broker with data and
// passes TREATY_URL, TREATY_TOKEN, TREATY_E2E_CHROMIUM and
// TREATY_E2E_ARTIFACTS. Exits non-zero on the first failure.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const base = process.env.TREATY_URL;
const token = process.env.TREATY_TOKEN;
const consumerToken = process.env.TREATY_CONSUMER_TOKEN;
const proposal = process.env.TREATY_PROPOSAL;
const release = process.env.TREATY_RELEASE;
const executablePath = process.env.TREATY_E2E_CHROMIUM || '/usr/bin/chromium';
const artifacts = process.env.TREATY_E2E_ARTIFACTS || path.join(__dirname, '../../target/e2e-artifacts');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function check(condition, what) {
  if (!condition) throw new Error(`failed: ${what}`);
  console.log(`ok: ${what}`);
}

// Runs axe-core in the page; serious or critical violations fail.
async function accessible(page, name) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  check(results.passes.length > 0, `${name}: axe-core ran (${results.passes.length} rule(s) passed)`);
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of results.violations) {
    console.log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} node(s))`);
  }
  check(bad.length === 0, `${name}: no serious or critical accessibility violation`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function main() {
  if (!base || !token || !consumerToken || !proposal || !release) {
    throw new Error('set TREATY_URL, TREATY_TOKEN, TREATY_CONSUMER_TOKEN, TREATY_PROPOSAL and TREATY_RELEASE');
  }
  fs.mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // A page that breaks its own Content-Security-Policy says so here.
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });

    await page.goto(`${base}/ui/catalog`);
    check(page.url().endsWith('/ui/sign-in'), 'signed out, the catalog sends to sign-in');
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.textContent.trim()) === 'Skip to the content',
      'the first Tab reaches the skip link');
    await accessible(page, 'sign-in');
    await shot(page, 'sign-in');

    await page.getByLabel('Team token').fill(token);
    await page.getByLabel('Team token').press('Enter');
    await page.waitForURL('**/ui/catalog');
    check(await page.getByRole('heading', { level: 1 }).textContent() === 'Catalog', 'signed in, on the catalog');
    check((await page.textContent('body')).includes('<script>alert(1)</script>'), 'the hostile team name is shown as text');
    await accessible(page, 'catalog');
    await shot(page, 'catalog');

    await page.getByLabel('Find an interface, a team or an operation').fill('items/{sku}');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL('**/ui/catalog?q=*');
    check((await page.textContent('main')).includes('1 interface(s) match'), 'the search finds the interface by an operation');
    await shot(page, 'catalog-search');

    await page.getByRole('link', { name: 'catalog-api' }).click();
    await page.waitForURL('**/ui/interfaces/catalog-api');
    check(await page.getByRole('heading', { level: 1 }).textContent() === 'Interface catalog-api', 'the interface page opens');
    await accessible(page, 'interface');
    await shot(page, 'interface');

    await page.getByRole('link', { name: 'Can-i-release matrix' }).click();
    await page.getByLabel('Environment').selectOption('production');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL('**/ui/matrix?environment=production');
    const matrix = await page.textContent('main');
    check(matrix.includes('✗ breaking') && matrix.includes('✓ compatible'), 'the matrix shows a breaking and a compatible pair, in words');
    await accessible(page, 'matrix');
    await shot(page, 'matrix');

    // The release board: the breaking change still awaits the consumer.
    await page.getByRole('link', { name: 'Releases' }).click();
    await page.waitForURL('**/ui/releases');
    await accessible(page, 'releases');
    await page.getByRole('link', { name: 'production' }).first().click();
    await page.waitForURL(`**/ui/releases/${release}?environment=production`);
    const before = await page.textContent('main');
    check(before.includes('✗ no-go') && before.includes('breaking-unapproved'), 'the release is no-go: its breaking change is not approved');
    const risk = await page.locator('table.board ul.reasons li').first().textContent();
    check(/criteria not met/.test(risk), `a risk reason in words: "${risk}"`);
    await accessible(page, 'release board');
    await shot(page, 'release-board-no-go');

    // The dependency graph: the consumer the open proposal touches is at risk.
    await page.getByRole('link', { name: 'Dependency graph' }).click();
    await page.waitForURL('**/ui/graph');
    const graph = await page.textContent('main');
    const riskyEdges = await page.locator('svg line.edge.risk').count();
    check(graph.includes('⚠ 1 at risk') && riskyEdges === 1, `the graph marks the edge the open proposal touches (${riskyEdges} drawn at risk)`);
    await accessible(page, 'dependency graph');
    await shot(page, 'dependency-graph');

    // The consumer team signs in and approves the proposal.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/ui/sign-in');
    await page.getByLabel('Team token').fill(consumerToken);
    await page.getByLabel('Team token').press('Enter');
    await page.waitForURL('**/ui/catalog');
    await page.getByRole('link', { name: 'Proposals' }).click();
    await page.waitForURL('**/ui/proposals');
    await accessible(page, 'proposals');
    await page.getByRole('link', { name: proposal, exact: true }).click();
    await page.waitForURL(`**/ui/proposals/${proposal}`);
    const diff = await page.textContent('main');
    check(diff.includes('Between versions 1.0.0 and 2.0.0') && diff.includes('►'), 'the proposal shows its diff at the changed line');
    await accessible(page, 'proposal');
    await shot(page, 'proposal');
    await page.getByLabel('Why you approve').fill('checkout reads GET /items now');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`**/ui/proposals/${proposal}`);
    check((await page.textContent('main')).includes('checkout reads GET /items now'), 'the approval is recorded with its reason');

    await page.goto(`${base}/ui/releases/${release}?environment=production`);
    const after = await page.textContent('main');
    check(after.includes('✓ go') && after.includes('breaking-approved'), 'the gate turned from no-go to go');
    await shot(page, 'release-board-go');

    // The decision log, every proof checked again by this browser.
    await page.getByRole('link', { name: 'Decision log' }).click();
    await page.waitForURL('**/ui/log');
    await page.waitForSelector('#browser-summary:not([hidden])');
    const entries = await page.locator('li.entry').count();
    const verified = await page.locator('li.entry .browser.ok').count();
    check(entries > 0 && verified === entries, `every proof on the log page verified in the browser (${verified} of ${entries})`);
    check((await page.textContent('#browser-summary')).includes('verified all'), 'the page says the browser verified them');
    await accessible(page, 'decision log');
    await shot(page, 'decision-log');

    check(violations.length === 0, `no Content-Security-Policy violation${violations.length ? `: ${violations.join('; ')}` : ''}`);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/ui/sign-in');
    await page.goto(`${base}/ui/catalog`);
    check(page.url().endsWith('/ui/sign-in'), 'signed out');
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
