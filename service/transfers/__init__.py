"""基本医保关系转移接续 (relation transfer): a person's basic medical insurance follows them from
one pool to another — the transfer-out office issues the 信息表, the transfer-in office enrols."""
