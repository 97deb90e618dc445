/**
 * The host's plugin-package upload, used by the browser UI where a dropped package has no path (see
 * src/main/host/pluginUpload.ts). Plain types: the answer is a Result like every route's.
 */
import type { PluginInspect } from './plugins';

export const PLUGIN_UPLOAD_PATH = '/api/plugins/upload';

/** What `POST /api/plugins/upload` answers (inside `{ ok: true, value }`). */
export interface PluginUploadResult {
  /**
   * Where the host keeps the package until it is installed or dropped: what `plugins.install` takes
   * after the user approved the permissions (the same approval flow as a package given by path).
   */
  path: string;
  /** The package's manifest and the permissions it asks for (what `plugins.inspect` answers). */
  inspect: PluginInspect;
}
