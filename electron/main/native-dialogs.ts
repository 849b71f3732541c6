import { dialog, type BaseWindow, type FileFilter } from 'electron';
import type { ApiChannel, DialogResult } from '../../shared/api-contract.js';

/** The dialog input after the contract's schema checked it. */
interface DialogInput {
  title?: string;
  defaultPath?: string;
  filters?: FileFilter[];
}

/** The native open/save dialogs, answering the contract's `dialog.*` calls (modal to the app window). */
export function nativeDialogs(window: () => BaseWindow | undefined): Partial<Record<ApiChannel, (input: unknown) => Promise<DialogResult>>> {
  const common = (i: DialogInput) => ({ ...(i.title ? { title: i.title } : {}), ...(i.defaultPath ? { defaultPath: i.defaultPath } : {}), ...(i.filters ? { filters: i.filters } : {}) });
  const open = async (i: DialogInput, properties: ('openDirectory' | 'openFile' | 'createDirectory')[]): Promise<DialogResult> => {
    const w = window();
    const options = { ...common(i), properties };
    const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
    return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
  };
  return {
    'dialog.openFolder': (i) => open(i as DialogInput, ['openDirectory', 'createDirectory']),
    'dialog.openFile': (i) => open(i as DialogInput, ['openFile']),
    'dialog.saveFile': async (i) => {
      const w = window();
      const options = common(i as DialogInput);
      const r = w ? await dialog.showSaveDialog(w, options) : await dialog.showSaveDialog(options);
      return { path: r.canceled || !r.filePath ? null : r.filePath };
    },
  };
}
