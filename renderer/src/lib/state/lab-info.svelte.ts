/** What the lab says about itself (version, store, backends): loaded once by the app, read by any view. */
import type { LabInfo } from '../../../../engine/contract/api.js';
import { lab } from '../lab/client.svelte.js';
import { Resource } from './resource.svelte.js';

export const labInfo = new Resource<LabInfo>(() => lab.info());
