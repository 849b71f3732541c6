import { Fragment } from 'react';

/** Where a long name may wrap: after each `/`, `:` and `@` (never inside a word). */
const SEPARATOR = /(?<=[/:@])/;

/** A reference, path or digest with a line-break opportunity after each separator, so it wraps at `/`, `:`, `@`. */
export function BreakableName({ text }: { text: string }) {
  const pieces = text.split(SEPARATOR);
  return (
    <>
      {pieces.map((piece, i) => (
        <Fragment key={i}>
          {piece}
          {i < pieces.length - 1 ? <wbr /> : null}
        </Fragment>
      ))}
    </>
  );
}
