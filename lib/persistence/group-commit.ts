import { outsideQueueRun } from './connection-share';

/** Writes a batch of submissions at once: one answer per submission, in the same order. */
export type BatchWrite<I, O> = (batch: I[]) => Promise<O[]>;

/** How a group commit gathers its batches. */
export interface GroupCommitOptions {
  /** Submissions per batch at most. */
  maxBatch: number;
  /** Batches written at once (PostgreSQL can commit several at a time; SQLite has one writer). */
  concurrency: number;
  /**
   * Wait one event-loop turn before each batch. For synchronous drivers (better-sqlite3), whose
   * writes block the loop: the requests that arrived meanwhile are read during the wait and join.
   */
  gather?: boolean;
}

interface Pending<I, O> {
  item: I;
  resolve(answer: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: concurrent submissions go to the database as one write, and each caller is answered
 * once that write has committed. While `concurrency` batches are being written, new submissions
 * wait and form the next batch, so the number of commits follows the database's pace, not the
 * request rate. No timers: an idle group commit writes a lone submission at once.
 * A failed batch fails each of its submissions with the batch's error (the writer decides whether to
 * try them one by one).
 */
export class GroupCommit<I, O> {
  private readonly waiting: Pending<I, O>[] = [];
  private writing = 0;

  constructor(
    private readonly write: BatchWrite<I, O>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.writing < this.options.concurrency) outsideQueueRun(() => void this.writeWhileWaiting());
    });
  }

  private async writeWhileWaiting(): Promise<void> {
    this.writing++;
    try {
      while (this.waiting.length > 0) {
        if (this.options.gather) await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.waiting.splice(0, this.options.maxBatch);
        await this.writeBatch(batch);
      }
    } finally {
      this.writing--;
    }
  }

  private async writeBatch(batch: Pending<I, O>[]): Promise<void> {
    try {
      const answers = await this.write(batch.map((pending) => pending.item));
      if (answers.length !== batch.length) throw new Error(`group commit: ${answers.length} answers for a batch of ${batch.length}`);
      batch.forEach((pending, i) => pending.resolve(answers[i]));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
