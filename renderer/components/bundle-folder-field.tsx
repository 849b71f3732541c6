/** The "Bundle folder" label and text field (a path on the machine running Ferry), described by the hint with id `${id}-hint`. */
export function BundleFolderField({ id, value, onChange }: { id: string; value: string; onChange: (path: string) => void }) {
  return (
    <>
      <label htmlFor={id}>Bundle folder</label>
      <input id={id} type="text" value={value} onChange={(e) => onChange(e.target.value)} placeholder="/media/STICK/my-bundle" spellCheck={false} autoComplete="off" aria-describedby={`${id}-hint`} />
    </>
  );
}
