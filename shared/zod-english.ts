// Imported for its effect by the schemas written with zod/mini (bundle.json's, the inventory's): mini loads no message
// locale, so without this every issue would read just "Invalid input". English, as zod classic sets it, keeps the
// messages users see (`blobs.0.size: Too small: expected number to be >=0`) the same. An explicit choice made
// earlier (`z.config(…)`) is kept.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

if (!config().localeError) config(en());
