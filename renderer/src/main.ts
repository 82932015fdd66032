import { mount } from 'svelte';
import 'uplot/dist/uPlot.min.css';
import './styles/app.css';
import './lib/state/theme.svelte.js';
import App from './App.svelte';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element');
target.replaceChildren();
mount(App, { target });
