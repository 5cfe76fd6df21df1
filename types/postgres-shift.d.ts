// postgres-shift ships no type declarations.
declare module 'postgres-shift' {
  import type { Sql } from 'postgres';
  interface ShiftOptions {
    sql: Sql;
    path?: string;
    before?: ((migration: { migration_id: number; name: string }) => void) | null;
    after?: ((migration: { migration_id: number; name: string }) => void) | null;
  }
  const shift: (options: ShiftOptions) => Promise<void>;
  export default shift;
}
