"""The board by stage (阶段看板): where each organisation stands, counted per column in SQL, with
days in the stage, the next follow-up and a stale flag (ORGBUILD_STALE_DAYS)."""
