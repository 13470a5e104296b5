/**
 * The coordinator's record of which job carries which task, for every task in flight on the cluster. A task is
 * taken out once, whatever settles it first (its result, its job found lost, a cancel), so each item's record is
 * written once even when a job is delivered twice.
 */
import type { JobData } from './wire.js';

interface Outstanding {
  ids: Set<number>;
  /** addBulk has returned: the job exists in Redis (before that, its absence means nothing). */
  added: boolean;
}

export class JobsInFlight {
  private readonly jobs = new Map<string, Outstanding>();
  /** Task id -> the job carrying it. */
  private readonly taskJob = new Map<number, string>();
  private nextJob = 0;

  /** Registers a job about to be added and returns its id, known before addBulk returns. */
  open(data: JobData): string {
    // Not a plain integer, which BullMQ refuses as a custom id.
    const jobId = `b${this.nextJob++}`;
    this.jobs.set(jobId, { ids: new Set(data.tasks.map((t) => t.id)), added: false });
    for (const t of data.tasks) this.taskJob.set(t.id, jobId);
    return jobId;
  }

  /** These jobs now exist in Redis. */
  markAdded(jobIds: string[]): void {
    for (const id of jobIds) {
      const job = this.jobs.get(id);
      if (job) job.added = true;
    }
  }

  has(taskId: number): boolean {
    return this.taskJob.has(taskId);
  }

  /** Takes a task out of flight; false when it is not in flight (a job delivered twice, or one given up on already). */
  take(taskId: number): boolean {
    const jobId = this.taskJob.get(taskId);
    if (jobId === undefined) return false;
    this.taskJob.delete(taskId);
    const job = this.jobs.get(jobId);
    if (job) {
      job.ids.delete(taskId);
      if (job.ids.size === 0) this.jobs.delete(jobId);
    }
    return true;
  }

  /** Takes out every task a job still holds, and returns their ids. */
  takeJob(jobId: string): number[] {
    const job = this.jobs.get(jobId);
    return job ? [...job.ids].filter((id) => this.take(id)) : [];
  }

  /** The ids of the jobs in flight that exist in Redis. */
  addedJobs(): string[] {
    return [...this.jobs].filter(([, o]) => o.added).map(([id]) => id);
  }

  /** The ids of every job in flight. */
  jobIds(): string[] {
    return [...this.jobs.keys()];
  }

  /** Whether a job in flight exists in Redis. */
  isAdded(jobId: string): boolean {
    return this.jobs.get(jobId)?.added === true;
  }

  /** Gives up every task in flight; returns their ids. */
  clear(): number[] {
    const ids = [...this.taskJob.keys()];
    this.taskJob.clear();
    this.jobs.clear();
    return ids;
  }
}
