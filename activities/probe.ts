/** The latency probe's local activity: nothing, so what it costs is Temporal's (workflows/latencyProbe.ts). */
export function createProbeActivities() {
  return {
    async probeNoop(): Promise<void> {},

    /**
     * The throughput probe's activity (workflows/throughputProbe.ts): nothing, with an input and an answer the size
     * of an offboarding step's, so what it costs is Temporal's.
     */
    async probeStep(input: { step: number; now: string }): Promise<{ outcome: 'done'; count: number }> {
      return { outcome: 'done', count: input.step };
    },
  };
}
