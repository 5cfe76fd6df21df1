/** The latency probe's local activity: nothing, so what it costs is Temporal's (workflows/latencyProbe.ts). */
export function createProbeActivities() {
  return {
    async probeNoop(): Promise<void> {},
  };
}
