import type { ItemRow } from '../../store/job.js';

const MARK: Record<ItemRow['status'], string> = { running: '…', done: '✓', failed: '✗', stopped: '–' };
const SAID: Record<ItemRow['status'], string> = { running: 'in progress', done: 'done', failed: 'failed', stopped: 'stopped' };

/** A job's items (parts verified, images pushed), each with its state; rows keep their place as they change. */
export function ItemRows({ items: all, label, phase }: { items: ItemRow[]; label: string; phase?: ItemRow['phase'] }) {
  const items = phase ? all.filter((i) => i.phase === phase) : all;
  if (items.length === 0) return null;
  const id = `rows-${label.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
  return (
    <>
      <p className="rows-title" id={id}>
        {label}
      </p>
      <ul className="item-rows" aria-labelledby={id}>
      {items.map((item) => (
        <li key={`${item.phase}:${item.name}`} className={item.status}>
          <span className="mark" aria-hidden="true">
            {MARK[item.status]}
          </span>
          <span className="name">{item.name}</span>
          <span className="state">{item.detail && item.status === 'failed' ? `${SAID[item.status]}: ${item.detail}` : SAID[item.status]}</span>
        </li>
      ))}
      </ul>
    </>
  );
}
