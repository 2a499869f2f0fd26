/** The part of a `pg` client the operator modules use: one connection, so transactions and `SET ROLE` hold. */
export interface SqlClient {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    values?: readonly unknown[],
  ): Promise<{ rows: Row[]; rowCount: number | null }>;
}
