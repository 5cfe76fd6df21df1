import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface WorkerParams extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (tests bundle once per run); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

export function createWorker({ connection, namespace, taskQueue, workflowBundle, shutdownGraceTime, ...deps }: WorkerParams): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(deps),
    shutdownGraceTime: shutdownGraceTime ?? '10s',
    // Users wait on these flows: when a worker dies, hand its workflows to another after 3 s, not 10.
    stickyQueueScheduleToStartTimeout: '3s',

  });
}
