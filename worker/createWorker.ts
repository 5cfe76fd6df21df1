import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface WorkerParams extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (tests bundle once per run); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Tests wrap the real activities (to crash a worker at an exact point); production passes nothing. */
  wrapActivities?: (real: ReturnType<typeof createActivities>) => ReturnType<typeof createActivities>;
}

export function createWorker({ connection, namespace, taskQueue, workflowBundle, shutdownGraceTime, wrapActivities = (a) => a, ...deps }: WorkerParams): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: wrapActivities(createActivities(deps)),
    shutdownGraceTime: shutdownGraceTime ?? '10s',
    // Users wait on these flows: when a worker dies, hand its workflows to another after 3 s, not 10.
    stickyQueueScheduleToStartTimeout: '3s',
  });
}
