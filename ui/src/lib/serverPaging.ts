/**
 * Paging done by the server (`offset` and `limit` in the query), for an antd Table: the page
 * and its size, the variables they make, the table's `pagination` (given the total the
 * server answered) and `onChange`, and a way back to the first page when a filter changes.
 */
import type { TablePaginationConfig } from "antd";
import { useState } from "react";

const PAGE_SIZES = ["20", "50", "100"];

export function useServerPaging(showTotal: (total: number) => string) {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const pagination = (total: number): TablePaginationConfig => ({
    current: page,
    pageSize,
    total,
    showSizeChanger: true,
    pageSizeOptions: PAGE_SIZES,
    showTotal,
  });
  const onChange = (changed: TablePaginationConfig) => {
    if (changed.pageSize && changed.pageSize !== pageSize) {
      setPageSize(changed.pageSize);
      setPage(1);
    } else if (changed.current) {
      setPage(changed.current);
    }
  };
  return { offset: (page - 1) * pageSize, limit: pageSize, pagination, onChange, firstPage: () => setPage(1) };
}
