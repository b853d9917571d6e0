// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice The read side of an OP Stack L2OutputOracle (Bedrock), for tests: outputs proposed for L2 blocks, and the
///         first one at or after a block. `propose` is open to anyone here; the real oracle takes them from its
///         proposer only.
contract OutputOracleFixture {
    struct OutputProposal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2BlockNumber;
    }

    OutputProposal[] private _outputs;
    uint256 public immutable finalizationPeriodSeconds;

    constructor(uint256 finalizationPeriodSeconds_) {
        finalizationPeriodSeconds = finalizationPeriodSeconds_;
    }

    function propose(bytes32 outputRoot, uint128 l2BlockNumber) external {
        _outputs.push(OutputProposal(outputRoot, uint128(block.timestamp), l2BlockNumber));
    }

    function getL2OutputIndexAfter(uint256 l2BlockNumber) public view returns (uint256) {
        for (uint256 i = 0; i < _outputs.length; i++) {
            if (_outputs[i].l2BlockNumber >= l2BlockNumber) return i;
        }
        revert("L2OutputOracle: cannot get output for a block that has not been proposed");
    }

    function getL2OutputAfter(uint256 l2BlockNumber) external view returns (OutputProposal memory) {
        return _outputs[getL2OutputIndexAfter(l2BlockNumber)];
    }
}
