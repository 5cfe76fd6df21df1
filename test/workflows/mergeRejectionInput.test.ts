// The merge tells the kit's code email how the source profile's owner can stop it ("this was not you"):
// by ids only. The token is the activity's to derive, so it never enters the workflow's history.
import { randomUUID } from 'node:crypto';
import { codeHmac } from '../../lib/verificationCode';
import type { MergeProfileInput } from '../../workflows/shared/mergeContract';
import { mergeCodeUpdates } from '../../workflows/shared/mergeContract';
import type { SendCodeInput } from '../../workflows/shared/verification';
import { workflowSuite } from '../helpers/workflowSuite';

const suite = workflowSuite();
const KEY = Buffer.from('mock-code-hmac-key');

function mergeInput(): MergeProfileInput {
  return {
    mergeId: randomUUID(), targetProfileId: randomUUID(), sourceProfileId: randomUUID(), accountId: randomUUID(),
    ttlMs: 60_000, challenge: { codeTtlMs: 60_000, resendIntervalMs: 60_000, maxAttempts: 3 },
  };
}

test('every code request names the merge as the email\'s rejection, and only by its id', () => {
  const sent: SendCodeInput[] = [];
  return suite.run(
    { sendVerificationCode: async (input: SendCodeInput) => { sent.push(input); return { codeHmac: codeHmac(KEY, input.scope, '424242') }; } },
    async ({ start }) => {
      const input = mergeInput();
      const handle = await start('mergeProfile', input);
      await handle.executeUpdate(mergeCodeUpdates.requestCode, { args: [{ emailOptionId: 'email-option-1' }] });
      expect(sent).toHaveLength(1);
      expect(sent[0]!.rejection).toEqual({ kind: 'profile-merge', mergeId: input.mergeId });
      expect(sent[0]!.recipient).toEqual({ kind: 'profile-email-option', profileId: input.sourceProfileId, emailOptionId: 'email-option-1' });
    },
  );
});
