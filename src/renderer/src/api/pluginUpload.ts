/**
 * A plugin package dropped in a browser (no file path there): sent to the host's
 * `POST /api/plugins/upload` (multipart; the HttpOnly session cookie rides along), which keeps it and
 * answers its manifest and permissions with the path `plugins.install` takes after the approval.
 * The desktop app never needs this: it has the dropped file's path.
 */
import { err, type Result } from '../../../shared/ipc/result';
import { PLUGIN_UPLOAD_PATH, type PluginUploadResult } from '../../../shared/types/pluginUpload';

export async function uploadPluginPackage(file: File): Promise<Result<PluginUploadResult>> {
  const form = new FormData();
  form.append('package', file, file.name);
  let res: Response;
  try {
    res = await fetch(PLUGIN_UPLOAD_PATH, { method: 'POST', body: form, credentials: 'same-origin' });
  } catch {
    return err('UNAVAILABLE', 'Could not reach Nook to upload the plugin package');
  }
  try {
    const body = (await res.json()) as Result<PluginUploadResult>;
    if (body && typeof body === 'object' && 'ok' in body) return body;
  } catch {
    // not JSON: answered below
  }
  return err('INTERNAL', `The plugin upload failed (HTTP ${res.status})`);
}
