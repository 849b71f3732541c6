/** The note on every volume telling a reader what it holds and how to put the set back together. */
export const README_FILE = 'README.txt';
/** The folder of detached signatures over bundle.json, copied to every volume. */
export const SIGNATURES_DIR = 'signatures';

/** Names Ferry writes at a volume's root (bundle.json, SHA256SUMS, archive files, signatures/); README.txt is Ferry's only beside a bundle.json. */
export const BUNDLE_OWNED = /^(bundle\.json|SHA256SUMS|bundle\.tar(\.\d{3,}|\.p\d{2,})?|signatures)$/;
