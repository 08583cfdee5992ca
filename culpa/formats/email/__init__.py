"""E-mail: messages (.eml, .msg, TNEF) and mail stores (mbox, PST, Foxmail).

A store's messages become child documents, read by the EML extractor.
"""
