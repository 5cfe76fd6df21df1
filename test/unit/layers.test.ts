// The layers hold because lint fails on an import against them (eslint.config.js), not because a
// reviewer noticed: each case writes a file with one such import and lints it with the project's config.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');
// The config is handed over directly: ESLint would load eslint.config.js with a dynamic import, which
// jest's CommonJS sandbox refuses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: require('../../eslint.config.js') });

async function importErrors(file: string, source: string): Promise<string[]> {
  const full = path.join(ROOT, file.replace('NAME', `zz-layer-${randomUUID().slice(0, 8)}`));
  fs.writeFileSync(full, source);
  try {
    const [result] = await eslint.lintFiles([full]);
    return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
  } finally {
    fs.rmSync(full, { force: true });
  }
}

describe('lint fails on an import against the layers', () => {
  test.each([
    ['db/queries/NAME.ts', "import { AppError } from '../../lib/errors';\nexport const x = AppError;\n", /db\/ must not import lib\//],
    ['lib/NAME.ts', "import { applyMerge } from '../libraries/merges/apply';\nexport const x = applyMerge;\n", /lib\/ must not import libraries\//],
    ['workflows/shared/NAME.ts', "import { invalidStep } from '../kit/failures';\nexport const x = invalidStep;\n", /pure leaf/],
    ['workflows/NAME.ts', "import { sql } from '../db/client';\nexport const x = sql;\n", /workflows\/ must not import db\//],
    ['activities/NAME.ts', "import { createApp } from '../api/app';\nexport const x = createApp;\n", /activities\/ must not import api\//],
    ['activities/NAME.ts', "import { mergeProfile } from '../workflows/mergeProfile';\nexport const x = mergeProfile;\n", /activities\/ must not import workflows\/!shared\//],
    ['libraries/NAME.ts', "import { createActivities } from '../activities';\nexport const x = createActivities;\n", /libraries\/ must not import activities\//],
    ['libraries/NAME.ts', "import { mergeProfile } from '../workflows/mergeProfile';\nexport const x = mergeProfile;\n", /import type/],
    ['api/routes/NAME.ts', "import { applyMerge } from '../../db/queries/profileMerges';\nexport const x = applyMerge;\n", /import type/],
  ])('%s: %s', async (file, source, message) => {
    expect(await importErrors(file, source)).toEqual([expect.stringMatching(message)]);
  });

  test('allowed imports pass: api → libraries, activities → libraries, libraries → workflow types', async () => {
    expect(await importErrors('api/routes/NAME.ts', "import type { MergeService } from '../../libraries/merges/service';\nexport type X = MergeService;\n")).toEqual([]);
    expect(await importErrors('activities/NAME.ts', "import { applyMerge } from '../libraries/merges/apply';\nexport const x = applyMerge;\n")).toEqual([]);
    expect(await importErrors('libraries/NAME.ts', "import type { mergeProfile } from '../workflows/mergeProfile';\nexport type X = typeof mergeProfile;\n")).toEqual([]);
  });
});
