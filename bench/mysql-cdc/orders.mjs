// The orders table both MariaDB CDC benches read (bench/mysql-cdc drives our task alone, bench/kafka-connect
// runs it beside Debezium in Kafka Connect): one definition, so their figures are about the same rows.

/** Creates `<db>.orders` (the database too). */
export async function createOrders(sql, db) {
  await sql.query(`CREATE DATABASE IF NOT EXISTS \`${db}\``);
  await sql.query(
    `CREATE TABLE \`${db}\`.orders (id BIGINT PRIMARY KEY, customer VARCHAR(64) NOT NULL, amount DECIMAL(12,2) NOT NULL, status VARCHAR(16) NOT NULL, created_at DATETIME(3) NOT NULL, note VARCHAR(64))`,
  );
}

/** Inserts rows `from` … `from + n - 1` in statements of 5000 rows. */
export async function insertOrders(sql, db, from, n) {
  for (let i = 0; i < n; i += 5000) {
    const rows = [];
    for (let j = from + i; j < from + Math.min(n, i + 5000); j++)
      rows.push(
        `(${j}, 'customer-${j % 100000}', ${(j % 100000) / 100}, 'paid', '2024-01-01 00:00:00.000' + INTERVAL ${j} SECOND, md5(${j}))`,
      );
    await sql.query(`INSERT INTO \`${db}\`.orders VALUES ${rows.join(',')}`);
  }
}
