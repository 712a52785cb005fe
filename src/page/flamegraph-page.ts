/**
 * The flamegraph page's script, bundled with d3-flame-graph by esbuild and inlined into every page. It reads
 * the JSON block and starts the profile page or the differential page. Text from the profile only ever
 * reaches the DOM through textContent.
 */
import type { PageData } from '../export/page-data.js';
import { byId } from './chart.js';
import { startDiffPage } from './diff-page.js';
import { startProfilePage } from './profile-page.js';
import './flamegraph-page.css';

const data = JSON.parse(byId('profile-data').textContent!) as PageData;
byId('title').textContent = data.title;
byId('details').textContent = data.details.join(' · ');
if (data.profile) startProfilePage(data, data.profile);
else if (data.tree) startDiffPage(data, data.tree);
// The benchmark (bench/page-draw.ts) reads this mark; tests wait for data-ready.
performance.mark('tsprof-drawn');
document.body.dataset.ready = 'true';
