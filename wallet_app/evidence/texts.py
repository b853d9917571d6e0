"""What an inspector reads in an evidence pack besides the data: the description of each file in English and in
Traditional Chinese (Hong Kong usage), and README.txt, which explains in both languages how to check the pack by hand.
"""
# ruff: noqa: RUF001 - full-width commas, colons and brackets are correct punctuation in Chinese text

from __future__ import annotations

from dataclasses import dataclass

EN, ZH = "en", "zh-Hant-HK"
LANGUAGES = (EN, ZH)


@dataclass(frozen=True, slots=True)
class Description:
    en: str
    zh: str

    def to_json(self) -> dict[str, str]:
        return {EN: self.en, ZH: self.zh}


TITLE = Description("Custos evidence pack", "Custos 證據資料包")
README = Description("How to check this pack by hand, without Custos", "如何在沒有 Custos 的情況下自行核對本資料包")
AUDIT_LOG = Description(
    "The audit log from its first entry to the last one of the period, with every field that was hashed, so that the "
    "hash chain can be recomputed",
    "審計日誌：由第一項記錄至報告期內最後一項記錄，包含所有經雜湊的欄位，可據此重新計算雜湊鏈")
AUDIT_VERIFICATION = Description(
    "The verification of that audit log (hash chain and signatures) made by Custos at export, and the entries that "
    "fall in the period",
    "匯出時 Custos 對上述審計日誌（雜湊鏈及簽署）的核實結果，以及屬於報告期的記錄範圍")
AUDIT_HEADS = Description(
    "Heads of the audit log (SEQ:HASH, as `custos audit head` prints them): at the end of the period, at export, and "
    "those recorded in the log by earlier exports; compare them with heads kept elsewhere",
    "審計日誌鏈頭（序號:雜湊，與 `custos audit head` 所示相同）：報告期完結時、匯出時，以及過往匯出記錄於日誌內者；"
    "請與另行保存的鏈頭比對")
POLICY_VERSIONS = Description(
    "Every policy version up to the end of the period: its text, digest (keccak-256 of the text), state and effective "
    "times, with the officers' approvals (EIP-712 signatures)",
    "截至報告期完結的所有政策版本：全文、摘要值（全文的 keccak-256）、狀態及生效時間，連同各主管人員的批核"
    "（EIP-712 簽署）")
TRANSFER_INDEX = Description(
    "The transfers proposed in the period, one file each",
    "報告期內提出的轉賬一覽，每項轉賬另有獨立檔案")
SAFE_TRANSFER = Description(
    "A transfer from a Safe vault: its fields, decoded intent, policy decisions, approvals and signatures, Travel Rule "
    "record and on-chain receipt",
    "由 Safe 金庫發出的轉賬：交易欄位、解碼後的意圖、政策決定、批核及簽署、旅行規則記錄及鏈上收據")
ACCOUNT_TRANSFER = Description(
    "A transfer from an account vault (cold storage): its transaction, decoded intent, policy decisions, approvals, "
    "Travel Rule record and on-chain receipt",
    "由帳戶金庫（冷儲存）發出的轉賬：交易內容、解碼後的意圖、政策決定、批核、旅行規則記錄及鏈上收據")
LABELS = Description(
    "The address book: the names the institution gives addresses",
    "地址簿：機構為各地址所定的名稱")
COUNTERPARTIES = Description(
    "Counterparties (natural or legal persons, their identifiers and VASP) and their addresses, with the proof of "
    "ownership of each proven address",
    "交易對手（自然人或法人、識別資料及虛擬資產服務提供者）及其地址，連同每個已證明地址的擁有權證明")
DOCUMENT_INDEX = Description(
    "The holding statements and storage reports issued in the period, with the SHA-256 recorded when each was issued",
    "報告期內發出的持倉報表及儲存報告，連同每份文件發出時記錄的 SHA-256")
STATEMENT = Description("A holding statement, byte for byte as issued", "持倉報表，與發出時的內容完全相同")
STORAGE_REPORT = Description("A storage report, byte for byte as issued", "儲存報告，與發出時的內容完全相同")
EVIDENCE_MANIFEST = Description("The manifest of an earlier evidence pack, as issued",
                                "較早前證據資料包的清單，與發出時的內容完全相同")


def build_readme(*, exporter: str, period_text: str, chain_id: int, created_at: str) -> str:
    """README.txt: how to check the pack with common tools, in English, then in Traditional Chinese."""
    return f"""Custos evidence pack / Custos 證據資料包
Chain id / 鏈 ID: {chain_id}
Period / 報告期: {period_text} (UTC, both days included / 協調世界時，首尾兩日包括在內)
Exported / 匯出時間: {created_at}
Exporting officer / 匯出主管人員: {exporter}

== English ==

This zip holds the records of the period in JSON files, one folder per section (audit, policy, transfers,
address-book, documents), and:
- manifest.json: every other file with its path, size in bytes and SHA-256 digest, and what it contains;
- manifest.sig: the EIP-191 (personal_sign) signature of the exact bytes of manifest.json by the officer named
  "exporter" in it.

To check it by hand:
1. The signature. It must recover to the exporter's address, and that address must be an officer you expect.
   With Foundry:   cast wallet verify --address {exporter} "$(cat manifest.json)" "$(cat manifest.sig)"
   With Python (eth-account):
     from eth_account import Account; from eth_account.messages import encode_defunct
     Account.recover_message(encode_defunct(primitive=open("manifest.json", "rb").read()),
                             signature=open("manifest.sig").read().strip())
2. Every file. Its SHA-256 and size must be those the manifest lists:
     jq -r '.files[] | "\\(.sha256)  \\(.path)"' manifest.json | sha256sum -c -
   and the zip must hold no file that the manifest does not list (manifest.json and manifest.sig aside).
3. The audit log. In audit/audit-log.json, each entry's entry_hash is keccak-256 of the canonical JSON of its
   fields (the rule is written in the file's "hash" field) and each prev_hash is the previous entry's entry_hash;
   compare the heads in audit/heads.json with heads you kept elsewhere (`custos audit head`).
4. Policy versions: each digest in policy/versions.json is keccak-256 of the UTF-8 text beside it.
5. Documents: each file in documents/ has the SHA-256 that documents/index.json recorded when it was issued.

With Custos installed, `custos evidence verify THIS.zip` makes all of these checks (exit 0 when all hold).

== 繁體中文 ==

本壓縮檔以 JSON 檔案載有報告期內的記錄，每部分一個資料夾（audit 審計日誌、policy 政策版本、transfers 轉賬、
address-book 地址簿、documents 已發出文件），另有：
- manifest.json（清單）：列出其餘每個檔案的路徑、位元組大小、SHA-256 摘要值及內容說明；
- manifest.sig：清單內所列「exporter」（匯出主管人員）以 EIP-191（personal_sign）方式對 manifest.json
  原始位元組所作的簽署。

自行核對步驟：
1. 簽署：簽署必須還原為匯出主管人員的地址，而該地址必須屬於 閣下預期的主管人員。
   使用 Foundry：   cast wallet verify --address {exporter} "$(cat manifest.json)" "$(cat manifest.sig)"
   使用 Python（eth-account）：見上文英文部分的指令。
2. 每個檔案：其 SHA-256 及大小必須與清單所列相同：
     jq -r '.files[] | "\\(.sha256)  \\(.path)"' manifest.json | sha256sum -c -
   除 manifest.json 及 manifest.sig 外，壓縮檔內不得有清單未列出的檔案。
3. 審計日誌：audit/audit-log.json 內每項記錄的 entry_hash 為其欄位規範化 JSON 的 keccak-256（規則載於該檔案的
   「hash」欄位），而每項 prev_hash 即前一項記錄的 entry_hash；請將 audit/heads.json 內的鏈頭與另行保存者比對
   （`custos audit head`）。
4. 政策版本：policy/versions.json 內每個摘要值為其旁全文（UTF-8）的 keccak-256。
5. 文件：documents/ 內每個檔案的 SHA-256 必須與 documents/index.json 於發出時所記錄者相同。

如已安裝 Custos，可執行 `custos evidence verify 本檔案.zip` 一併完成以上核對（全部通過時結束碼為 0）。
"""
