// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AgentRole} from "./utils/AgentRole.sol";
import {ICompliance} from "./interfaces/ICompliance.sol";
import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";

/// @title Tokenized green bond, ERC-3643 (T-REX)-style permissioned token (demo)
/// @notice One token is one bond of `faceValue` (in base units of the HKD stablecoin).
///         Holders must be verified in the identity registry and every transfer must pass the
///         compliance. Agents can pause the token, freeze wallets or part of a balance, and force
///         transfers. Refused transfers revert with a custom error that names the reason.
contract GreenBond is ERC20, AgentRole {
    IIdentityRegistry private _identityRegistry;
    ICompliance private _compliance;
    bool private _paused;
    mapping(address account => bool) private _frozen;
    mapping(address account => uint256) private _frozenTokens;

    uint256 private immutable _couponRateBps;
    uint256 private immutable _maturityDate;
    uint256 private immutable _faceValue;

    // ERC-3643 events.
    event IdentityRegistryAdded(address indexed identityRegistry);
    event ComplianceAdded(address indexed compliance);
    event AddressFrozen(address indexed userAddress, bool indexed isFrozen, address indexed owner);
    event TokensFrozen(address indexed userAddress, uint256 amount);
    event TokensUnfrozen(address indexed userAddress, uint256 amount);
    event Paused(address userAddress);
    event Unpaused(address userAddress);

    error TokenPaused();
    error TokenNotPaused();
    error SenderFrozen(address sender);
    error ReceiverFrozen(address receiver);
    error InsufficientFreeBalance(address sender, uint256 freeBalance, uint256 amount);
    error ReceiverNotVerified(address receiver);
    error TransferNotCompliant(address from, address to, uint256 amount);
    error FreezeExceedsBalance(address account, uint256 balance, uint256 frozenAfter);
    error UnfreezeExceedsFrozen(address account, uint256 frozen, uint256 amount);
    error InvalidAddress();

    constructor(
        string memory name_,
        string memory symbol_,
        address identityRegistry_,
        address compliance_,
        uint256 couponRateBps_,
        uint256 maturityDate_,
        uint256 faceValue_
    ) ERC20(name_, symbol_) Ownable(msg.sender) {
        _setIdentityRegistry(identityRegistry_);
        _setCompliance(compliance_);
        _couponRateBps = couponRateBps_;
        _maturityDate = maturityDate_;
        _faceValue = faceValue_;
    }

    // ---- Bond terms -------------------------------------------------------------------------

    function decimals() public pure override returns (uint8) {
        return 0;
    }

    /// @notice Annual coupon in basis points (425 = 4.25 %).
    function couponRateBps() external view returns (uint256) {
        return _couponRateBps;
    }

    /// @notice Maturity as a unix timestamp (seconds).
    function maturityDate() external view returns (uint256) {
        return _maturityDate;
    }

    /// @notice Redemption amount of one bond, in base units of the settlement stablecoin (6 decimals).
    function faceValue() external view returns (uint256) {
        return _faceValue;
    }

    function currency() external pure returns (string memory) {
        return "HKD";
    }

    // ---- Wiring ---------------------------------------------------------------------------------

    function identityRegistry() external view returns (address) {
        return address(_identityRegistry);
    }

    function compliance() external view returns (address) {
        return address(_compliance);
    }

    function setIdentityRegistry(address identityRegistry_) external onlyOwner {
        _setIdentityRegistry(identityRegistry_);
    }

    function setCompliance(address compliance_) external onlyOwner {
        _setCompliance(compliance_);
    }

    // ---- Pause and freeze -----------------------------------------------------------------------

    function paused() external view returns (bool) {
        return _paused;
    }

    function pause() external onlyAgent {
        if (_paused) revert TokenPaused();
        _paused = true;
        emit Paused(msg.sender);
    }

    function unpause() external onlyAgent {
        if (!_paused) revert TokenNotPaused();
        _paused = false;
        emit Unpaused(msg.sender);
    }

    function isFrozen(address account) external view returns (bool) {
        return _frozen[account];
    }

    function getFrozenTokens(address account) external view returns (uint256) {
        return _frozenTokens[account];
    }

    function setAddressFrozen(address account, bool freeze) external onlyAgent {
        _frozen[account] = freeze;
        emit AddressFrozen(account, freeze, msg.sender);
    }

    function freezePartialTokens(address account, uint256 amount) external onlyAgent {
        uint256 frozenAfter = _frozenTokens[account] + amount;
        uint256 balance = balanceOf(account);
        if (frozenAfter > balance) revert FreezeExceedsBalance(account, balance, frozenAfter);
        _frozenTokens[account] = frozenAfter;
        emit TokensFrozen(account, amount);
    }

    function unfreezePartialTokens(address account, uint256 amount) external onlyAgent {
        uint256 frozen = _frozenTokens[account];
        if (amount > frozen) revert UnfreezeExceedsFrozen(account, frozen, amount);
        _frozenTokens[account] = frozen - amount;
        emit TokensUnfrozen(account, amount);
    }

    // ---- Supply and agent transfers -------------------------------------------------------------

    /// @notice Issue bonds to a verified investor, subject to compliance.
    function mint(address to, uint256 amount) external onlyAgent {
        if (!_identityRegistry.isVerified(to)) revert ReceiverNotVerified(to);
        if (!_compliance.canTransfer(address(0), to, amount)) {
            revert TransferNotCompliant(address(0), to, amount);
        }
        _mint(to, amount);
    }

    /// @notice Redeem (cancel) bonds; frozen tokens are unfrozen as needed.
    function burn(address from, uint256 amount) external onlyAgent {
        _releaseFrozenFor(from, amount);
        _burn(from, amount);
    }

    /// @notice Move tokens on an agent's order (court order, lost keys): ignores pause, freezes and
    ///         compliance, but the receiver must be verified. Frozen tokens are unfrozen as needed.
    function forcedTransfer(address from, address to, uint256 amount) external onlyAgent returns (bool) {
        if (!_identityRegistry.isVerified(to)) revert ReceiverNotVerified(to);
        _releaseFrozenFor(from, amount);
        _transfer(from, to, amount);
        return true;
    }

    // ---- Holder transfers -----------------------------------------------------------------------

    function transfer(address to, uint256 amount) public override returns (bool) {
        _checkTransfer(msg.sender, to, amount);
        return super.transfer(to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        _checkTransfer(from, to, amount);
        return super.transferFrom(from, to, amount);
    }

    // ---- Internals ------------------------------------------------------------------------------

    function _checkTransfer(address from, address to, uint256 amount) private view {
        if (_paused) revert TokenPaused();
        if (_frozen[from]) revert SenderFrozen(from);
        if (_frozen[to]) revert ReceiverFrozen(to);
        uint256 freeBalance = _freeBalance(from);
        if (amount > freeBalance) revert InsufficientFreeBalance(from, freeBalance, amount);
        if (!_identityRegistry.isVerified(to)) revert ReceiverNotVerified(to);
        if (!_compliance.canTransfer(from, to, amount)) revert TransferNotCompliant(from, to, amount);
    }

    function _releaseFrozenFor(address from, uint256 amount) private {
        uint256 balance = balanceOf(from);
        uint256 frozen = _frozenTokens[from];
        uint256 freeBalance = _freeBalance(from);
        if (amount > freeBalance && amount <= balance) {
            uint256 release = amount - freeBalance;
            _frozenTokens[from] = frozen - release;
            emit TokensUnfrozen(from, release);
        }
    }

    function _freeBalance(address account) private view returns (uint256) {
        uint256 balance = balanceOf(account);
        uint256 frozen = _frozenTokens[account];
        return balance > frozen ? balance - frozen : 0;
    }

    function _setIdentityRegistry(address identityRegistry_) private {
        if (identityRegistry_ == address(0)) revert InvalidAddress();
        _identityRegistry = IIdentityRegistry(identityRegistry_);
        emit IdentityRegistryAdded(identityRegistry_);
    }

    function _setCompliance(address compliance_) private {
        if (compliance_ == address(0)) revert InvalidAddress();
        _compliance = ICompliance(compliance_);
        emit ComplianceAdded(compliance_);
    }
}
