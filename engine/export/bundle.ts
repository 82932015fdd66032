/** Model bundles: export a run's checkpoint to a self-describing folder, and load one back (issue 9). */
import type { ExportModelRequest, ExportResult } from '../api.js';
import { LabError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { LoadedModel } from '../translate.js';

export async function exportRun(_store: Store, _request: ExportModelRequest): Promise<ExportResult> {
  throw new LabError('internal', 'model export is not available in this version yet');
}

export async function loadBundle(path: string): Promise<LoadedModel> {
  throw new LabError('bundle', `cannot load ${path}: model bundles are not available in this version yet`);
}
