/** Where `ferry import` writes its JSON report unless --report says otherwise: in the current folder. */
export const DEFAULT_REPORT = 'import-report.json';
